"""The household form in the browser engine (@getodk/web-forms) with a demo-register household.

An office user opens the preview, picks the household, fills the form with real key and
mouse events, and sends it; the server reads the engine's OpenRosa payload and shows the
prefilled part beside the register and the per-capita income it recomputes.
"""

from __future__ import annotations

import re
import struct
import zlib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


def _png() -> bytes:
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


def _question(page: Any, label: str, nth: int = 0) -> Any:
    exact = re.compile(r"^\s*" + re.escape(label) + r"\s*$")
    return (
        page.locator("#webform .question-container")
        .filter(has=page.locator("label:not(.value-option)", has_text=exact))
        .nth(nth)
    )


def _choose(page: Any, label: str, option: str) -> None:
    _question(page, label).locator("label.value-option", has_text=option).first.click()


def _type(page: Any, box: Any, text: str) -> None:
    """Type like a person (PrimeVue number inputs ignore programmatic values)."""
    box.click()
    box.press("Control+A")
    page.keyboard.type(text)
    box.press("Tab")


def _answer_remaining_choices(page: Any) -> None:
    for _ in range(400):
        ids = page.evaluate(UNANSWERED_CHOICES)
        if not ids:
            return
        options = page.locator(f"[id='{ids[0]}'] label.value-option")
        texts = [t.strip() for t in options.all_inner_texts()]
        options.nth(next((i for i, t in enumerate(texts) if t in PREFERRED), 0)).click()
    raise AssertionError("required choices keep appearing")


def test_household_form_in_web_forms_submits_register_prefill_and_per_capita_income(
    demo_world: Any, live_server: Any
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from povcensus.devtools.demo import DEMO_PASSWORD
    from povcensus.listing.models import ListingStatus
    from povcensus.questionnaires.models import FormKind
    from povcensus.questionnaires.selectors import live_version
    from povcensus.register.models import Household

    version = live_version(campaign=demo_world.campaign, kind=FormKind.HOUSEHOLD)
    assert version is not None
    household = (
        Household.objects.filter(
            campaign=demo_world.campaign, listing_entry__status=ListingStatus.NORMAL
        )
        .order_by("pk")
        .first()
    )
    assert household is not None
    members = list(household.members.order_by("seq"))
    net = sum(Decimal(v) for v in list(INCOME.values())[:3]) - Decimal(INCOME["生产经营性支出"])
    expected_per_capita = (net / len(members)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(20000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "jinshan_office")
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.goto(
                f"{live_server.url}/questionnaires/versions/{version.pk}/preview/"
                f"?household={household.pk}&lang=zh"
            )
            page.wait_for_selector(".form-initialization-status.ready", state="attached")

            _question(page, "户编号").locator(".p-select").click()
            page.locator("li[role=option]", has_text=household.number).first.click()
            page.get_by_text(f"户主 {household.head_name}").wait_for()
            _choose(page, "调查结果", "完成调查")
            _question(page, "姓名", len(members) - 1).wait_for()
            for index, member in enumerate(members):  # prefilled from members.csv
                name_box = _question(page, "姓名", index).locator("input").first
                assert name_box.input_value() == member.name
            _choose(page, "以上成员信息已逐一核实", "是")
            for label, amount in INCOME.items():
                _type(page, _question(page, label).locator("input").first, amount)
            _type(page, _question(page, "距村主干路距离（公里）").locator("input").first, "1.5")
            _type(page, _question(page, "受访者姓名").locator("input").first, "受访者")
            _question(page, "户主（受访者）签字").locator("input[type=file]").set_input_files(
                files=[{"name": "signature.png", "mimeType": "image/png", "buffer": _png()}]
            )
            _answer_remaining_choices(page)

            result = page.locator("#preview-result")
            for _ in range(3):
                page.get_by_role("button", name="Send").click()
                try:
                    result.wait_for(state="visible", timeout=8000)
                    break
                except PlaywrightTimeout:  # a required number the register left empty
                    for container in page.evaluate(FLAGGED_INPUTS):
                        box = page.locator(f"[id='{container}'] input").first
                        _type(page, box, "6")
                    _answer_remaining_choices(page)
            result.wait_for(state="visible")
            assert errors == []

            assert page.locator("#prefill-status").get_attribute("data-ok") == "true"
            assert page.locator("#result-members").inner_text() == str(len(members))
            assert Decimal(page.locator("#result-per-capita").inner_text()) == expected_per_capita
            assert (
                Decimal(page.locator("#result-per-capita-expected").inner_text())
                == expected_per_capita
            )
            assert page.locator("#income-status").get_attribute("data-ok") == "true"
            assert page.locator("#result-instance").inner_text().startswith("uuid:")
            table = result.inner_text()
            for member in members:
                assert member.id_number in table
        finally:
            browser.close()
