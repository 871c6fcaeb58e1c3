"""The built-in census questionnaires: readable sources in ``src/``, generated ``.xlsx`` here.

``povcensus forms build-builtin`` regenerates ``forms/<form_id>.xlsx`` from the sources;
both are committed, and a test checks that the workbooks match their sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from povcensus.questionnaires.builtin.dsl import FormSource

FORMS_DIR = Path(__file__).resolve().parent / "forms"


@dataclass(frozen=True)
class BuiltinForm:
    form_id: str
    kind: str  # a questionnaires.models.FormKind value (kept plain: this package is pure)
    build: Callable[[], FormSource]

    @property
    def path(self) -> Path:
        return FORMS_DIR / f"{self.form_id}.xlsx"


def builtin_forms() -> list[BuiltinForm]:
    from povcensus.questionnaires.builtin.src import household, listing, village

    return [
        BuiltinForm(household.FORM_ID, "household", household.build),
        BuiltinForm(village.FORM_ID, "village", village.build),
        BuiltinForm(listing.FORM_ID, "listing", listing.build),
    ]
