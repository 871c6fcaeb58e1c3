"""Driving the household form in @getodk/web-forms with real key and mouse events.

Shared by the browser tests of the office preview (questionnaires) and of browser
collection (collection): Chromium's arguments, finding a question by its label, choosing,
typing like a person, answering every remaining required choice.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--run-all-compositor-stages-before-draw",
]
# For every still-unanswered required single choice, the option to pick (else the first).
PREFERRED = {
    "否",
    "不享受",
    "其他方式保障安全住房",
    "达标",
    "认可",
    "满意",
    "水泥路",
    "清洁能源",
}
UNANSWERED_CHOICES = """() => Array.from(document.querySelectorAll('#webform .question-container'))
  .filter(c => c.querySelector('label.required') && c.querySelector('input[type=radio]')
               && !c.querySelector('input[type=radio]:checked')).map(c => c.id)"""
FLAGGED_INPUTS = """() => Array.from(document.querySelectorAll('#webform .validation-message'))
  .filter(m => m.style.display !== 'none' && m.textContent.trim())
  .map(m => m.closest('.question-container'))
  .filter(c => c && c.querySelector('input:not([type=radio]):not([type=checkbox]):not([type=file])'))
  .map(c => c.id)"""
INCOME = {"务工收入": "12000", "种植业收入": "3000.5", "养老金": "1800", "生产经营性支出": "1200"}


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def question(page: Any, label: str, nth: int = 0) -> Any:
    exact = re.compile(r"^\s*" + re.escape(label) + r"\s*$")
    return (
        page.locator("#webform .question-container")
        .filter(has=page.locator("label:not(.value-option)", has_text=exact))
        .nth(nth)
    )


def choose(page: Any, label: str, option: str) -> None:
    question(page, label).locator("label.value-option", has_text=option).first.click()


def type_like_a_person(page: Any, box: Any, text: str) -> None:
    """Type like a person (PrimeVue number inputs ignore programmatic values)."""
    box.click()
    box.press("Control+A")
    page.keyboard.type(text)
    box.press("Tab")


def answer_remaining_choices(page: Any) -> None:
    for _ in range(400):
        ids = page.evaluate(UNANSWERED_CHOICES)
        if not ids:
            return
        options = page.locator(f"[id='{ids[0]}'] label.value-option")
        texts = [t.strip() for t in options.all_inner_texts()]
        options.nth(next((i for i, t in enumerate(texts) if t in PREFERRED), 0)).click()
    raise AssertionError("required choices keep appearing")
