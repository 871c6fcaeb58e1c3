"""Report untranslated or placeholder-mismatched entries in every app's English catalogue.

Exit status 1 when any entry lacks a translation or its placeholders differ from the
source, so a forgotten string is caught by `make messages` and by the test suite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "povcensus"
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]")


def problems() -> list[str]:
    found = []
    for po_path in sorted(ROOT.glob("*/locale/en/LC_MESSAGES/*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale="en")
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            where = f"{po_path.relative_to(ROOT.parent)}: {ids[0][:60]!r}"
            if not all(strings) or "fuzzy" in message.flags:
                found.append(f"untranslated: {where}")
                continue
            wanted = sorted(PLACEHOLDER.findall(str(ids[0])))
            for text in strings:
                if sorted(PLACEHOLDER.findall(str(text))) != wanted:
                    found.append(f"placeholders differ: {where}")
    return found


def fill_from_other_catalogues() -> int:
    """Copy a translation of the same source string from another app's catalogue."""
    from babel.messages.pofile import write_po

    paths = sorted(ROOT.glob("*/locale/en/LC_MESSAGES/*.po"))
    catalogs = {}
    for path in paths:
        with path.open("rb") as handle:
            catalogs[path] = read_po(handle, locale="en")
    memory = {
        m.id: m.string
        for c in catalogs.values()
        for m in c
        if m.id and m.string and "fuzzy" not in m.flags
    }
    filled = 0
    for path, catalog in catalogs.items():
        changed = False
        for message in catalog:
            if message.id and not message.string and message.id in memory:
                message.string = memory[message.id]
                message.flags.discard("fuzzy")
                changed = True
                filled += 1
        if changed:
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100)
    return filled


def main() -> int:
    if "--fill" in sys.argv:
        print(f"filled {fill_from_other_catalogues()} entries from other catalogues")
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
