"""The built-in rule book: ``household.yaml`` and ``village.yaml`` (pure).

Loaded once per process and checked against the built-in questionnaires' schema.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
from povcensus.rules.rulebook import RuleBook, load_rulebook

HERE = Path(__file__).resolve().parent
BUILTIN_FILES = ("household.yaml", "village.yaml")


def builtin_sources() -> list[tuple[str, str]]:
    return [(name, (HERE / name).read_text(encoding="utf-8")) for name in BUILTIN_FILES]


@cache
def builtin_rulebook() -> RuleBook:
    return load_rulebook(builtin_sources(), schema=BUILTIN_SCHEMA)
