"""Report arithmetic and the bar chart (pure: numbers in, numbers and SVG out).

**Unusual enumerators.**  For each enumerator *i* with ``n_i`` checked questionnaires of
which ``x_i`` failed at least one rule, the rate of the *others* is
``p_0 = (X − x_i) / (N − n_i)`` (``X``, ``N``: the totals over every enumerator in the
report), and the binomial z-score is

    z_i = (x_i − n_i·p_0) / sqrt(n_i·p_0·(1 − p_0)).

``|z_i| ≥ 3`` flags the enumerator: ``z ≥ 3`` unusually many failures (careless entry,
misunderstanding), ``z ≤ −3`` unusually few (too good to be true: answers adjusted to
pass the checks).  Leaving the enumerator out of their own baseline keeps one extreme
enumerator from hiding in a small pool.  The score is not computed (``None``) when the
normal approximation does not hold: fewer than 10 questionnaires, fewer than two
enumerators, or ``n_i·p_0·(1 − p_0) < 1`` (a pool rate of 0 or 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

Z_FLAG = 3.0
MIN_CHECKED = 10


@dataclass(frozen=True)
class EnumeratorRate:
    key: object  # the enumerator's id
    checked: int  # n_i: questionnaires checked
    failing: int  # x_i: questionnaires with at least one failure
    rate: float  # x_i / n_i
    pool_rate: float | None  # p_0 of the others
    z: float | None
    flag: str  # "many" | "few" | ""


def enumerator_rates(counts: Sequence[tuple[object, int, int]]) -> list[EnumeratorRate]:
    """``counts``: (key, checked, failing) per enumerator → rates and z-scores (same order)."""
    total_checked = sum(c for _, c, _ in counts)
    total_failing = sum(f for _, _, f in counts)
    found = []
    for key, checked, failing in counts:
        rate = failing / checked if checked else 0.0
        others = total_checked - checked
        pool = (total_failing - failing) / others if others > 0 else None
        z: float | None = None
        if pool is not None and checked >= MIN_CHECKED and len(counts) >= 2:
            variance = checked * pool * (1 - pool)
            if variance >= 1:
                z = (failing - checked * pool) / math.sqrt(variance)
        flag = ""
        if z is not None and z >= Z_FLAG:
            flag = "many"
        elif z is not None and z <= -Z_FLAG:
            flag = "few"
        found.append(EnumeratorRate(key, checked, failing, rate, pool, z, flag))
    return found


def bar_chart_svg(
    bars: Sequence[tuple[str, int, int]],
    *,
    title: str,
    hard_label: str,
    soft_label: str,
    width: int = 720,
) -> str:
    """A horizontal stacked bar chart (hard | soft) as inline SVG, labels escaped."""
    label_width, row, top = 150, 22, 28
    plot = width - label_width - 70
    widest = max((h + s for _, h, s in bars), default=0) or 1
    height = top + row * len(bars) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" viewBox="0 0 {width} {height}"'
        f' width="100%" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
    ]
    for number, (label, hard, soft) in enumerate(bars):
        y = top + number * row
        hard_w = plot * hard / widest
        soft_w = plot * soft / widest
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{hard_w:.1f}" height="14" fill="#cf222e">'
            f"<title>{escape(hard_label)} {hard}</title></rect>"
        )
        parts.append(
            f'<rect x="{label_width + hard_w:.1f}" y="{y + 3}" width="{soft_w:.1f}" height="14"'
            f' fill="#d4a72c"><title>{escape(soft_label)} {soft}</title></rect>'
        )
        parts.append(
            f'<text x="{label_width + hard_w + soft_w + 4:.1f}" y="{y + 14}" font-size="11"'
            f' fill="#57606a">{hard + soft}</text>'
        )
    legend_y = top + row * len(bars) + 16
    parts.append(
        f'<rect x="{label_width}" y="{legend_y - 9}" width="10" height="10" fill="#cf222e"/>'
        f'<text x="{label_width + 14}" y="{legend_y}" font-size="11">{escape(hard_label)}</text>'
        f'<rect x="{label_width + 120}" y="{legend_y - 9}" width="10" height="10" fill="#d4a72c"/>'
        f'<text x="{label_width + 134}" y="{legend_y}" font-size="11">{escape(soft_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
