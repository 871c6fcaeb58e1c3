"""Compile the translation catalogues (.po → .mo) with Babel: pure Python, no gettext needed."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "povcensus"


def main() -> int:
    compiled = 0
    for po_path in sorted(ROOT.glob("*/locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3])
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        compiled += 1
    if compiled:
        print(f"compiled {compiled} message catalogue(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
