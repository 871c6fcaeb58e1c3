"""Extension points of browser collection for later apps (review).

Collection sits above review in the app order, so it cannot ask review which cases were
returned to an enumerator.  Review registers a *worklist annotator* here (from its
``AppConfig.ready``); the worklist page and its JSON call every annotator with the unit
(assignment) ids they show and merge what comes back:

``fn(*, actor, unit_ids: list[int]) -> dict[int, dict]`` — per assignment id, e.g.
``{"returned": True, "comments": [{"field": …, "member_index": …, "text": …, "author": …,
"at": …}], "edit_of": "<instanceID of the version to edit>"}``.

A returned unit is listed first, with its comments, and opens as an edit of that version
(``/collect/edit/<submission id>/``; the new version's deprecatedID is ``edit_of``).
Annotators are called once per page with every unit id (set-based: one or two queries).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WorklistAnnotator = Callable[..., dict[int, dict[str, Any]]]

_ANNOTATORS: list[WorklistAnnotator] = []


def register_worklist_annotator(fn: WorklistAnnotator) -> None:
    if fn not in _ANNOTATORS:
        _ANNOTATORS.append(fn)


def unregister_worklist_annotator(fn: WorklistAnnotator) -> None:
    """Remove an annotator (tests register their own and take it away after)."""
    if fn in _ANNOTATORS:
        _ANNOTATORS.remove(fn)


def worklist_annotations(*, actor: Any, unit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Every annotator's notes per unit id, merged (later annotators add to earlier ones)."""
    merged: dict[int, dict[str, Any]] = {}
    if not unit_ids:
        return merged
    for fn in list(_ANNOTATORS):
        for unit_id, notes in fn(actor=actor, unit_ids=list(unit_ids)).items():
            if unit_id in unit_ids:
                target = merged.setdefault(unit_id, {})
                comments = [*target.get("comments", []), *notes.get("comments", [])]
                target.update(notes)
                if comments:
                    target["comments"] = comments
    return merged
