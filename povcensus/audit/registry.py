"""The registry of allowed audit action names.

Each app declares its actions in its ``audit_actions.py`` (imported from its AppConfig)
as dotted names it owns (``register.import.committed``).  Recording an action that is not
registered is a programming error, so a typo can never create an untraceable event type.
"""

from __future__ import annotations

from django.utils.functional import Promise

ACTIONS: dict[str, str | Promise] = {}


def register_actions(actions: dict[str, str | Promise]) -> None:
    for name, description in actions.items():
        if name in ACTIONS and ACTIONS[name] != description:
            raise ValueError(f"audit action {name!r} registered twice")
        ACTIONS[name] = description


def describe(action: str) -> str:
    return str(ACTIONS.get(action, action))
