"""Follow-up work of later apps when households are added to the register.

The register sits above the listing in the app order, so it cannot call the listing; the
listing registers a hook here (from its AppConfig.ready) instead.  Hooks run inside the
import's transaction, after the households are written and before the import's audit
event, and must be set-based (a million households arrive at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HouseholdsImported = Callable[[int, Any], None]  # called with the campaign id and the actor

_IMPORTED: list[HouseholdsImported] = []


def on_households_imported(hook: HouseholdsImported) -> None:
    if hook not in _IMPORTED:
        _IMPORTED.append(hook)


def households_imported(campaign_id: int, actor: Any) -> None:
    for hook in _IMPORTED:
        hook(campaign_id, actor)
