"""Lay out a campaign's phases as bars on a date axis (pure)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def timeline_rows(phases: list[Any], *, today: date) -> dict[str, Any]:
    """Return bar positions (percent of the span) for each phase and the 'today' marker."""
    if not phases:
        return {"rows": [], "today_pct": None, "start": None, "end": None}
    starts = [p.starts_on or p.deadline - timedelta(days=3) for p in phases]
    start = min(starts)
    end = max(p.deadline for p in phases)
    span = max((end - start).days + 1, 1)

    def pct(day: date) -> float:
        return round(100 * ((day - start).days) / span, 2)

    rows = []
    for phase, begins in zip(phases, starts, strict=True):
        left = pct(begins)
        width = max(pct(phase.deadline + timedelta(days=1)) - left, 1.0)
        state = "done" if phase.deadline < today else "current" if begins <= today else "upcoming"
        rows.append({"phase": phase, "left": left, "width": width, "state": state})
    today_pct = pct(today) if start <= today <= end else None
    return {"rows": rows, "today_pct": today_pct, "start": start, "end": end}
