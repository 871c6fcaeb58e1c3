"""The household form in the browser engine (@getodk/web-forms) with a demo-register household.

An office user opens the preview, picks the household, fills the form with real key and
mouse events, and sends it; the server reads the engine's OpenRosa payload and shows the
prefilled part beside the register and the per-capita income it recomputes.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from povcensus.questionnaires.tests.webforms_driver import (
    CHROMIUM_ARGS,
    FLAGGED_INPUTS,
    INCOME,
    answer_remaining_choices,
    choose,
    question,
    tiny_png,
    type_like_a_person,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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

            question(page, "户编号").locator(".p-select").click()
            page.locator("li[role=option]", has_text=household.number).first.click()
            page.get_by_text(f"户主 {household.head_name}").wait_for()
            choose(page, "调查结果", "完成调查")
            question(page, "姓名", len(members) - 1).wait_for()
            for index, member in enumerate(members):  # prefilled from members.csv
                name_box = question(page, "姓名", index).locator("input").first
                assert name_box.input_value() == member.name
            choose(page, "以上成员信息已逐一核实", "是")
            for label, amount in INCOME.items():
                type_like_a_person(page, question(page, label).locator("input").first, amount)
            type_like_a_person(
                page, question(page, "距村主干路距离（公里）").locator("input").first, "1.5"
            )
            type_like_a_person(page, question(page, "受访者姓名").locator("input").first, "受访者")
            question(page, "户主（受访者）签字").locator("input[type=file]").set_input_files(
                files=[{"name": "signature.png", "mimeType": "image/png", "buffer": tiny_png()}]
            )
            answer_remaining_choices(page)

            result = page.locator("#preview-result")
            for _ in range(3):
                page.get_by_role("button", name="Send").click()
                try:
                    result.wait_for(state="visible", timeout=8000)
                    break
                except PlaywrightTimeout:  # a required number the register left empty
                    for container in page.evaluate(FLAGGED_INPUTS):
                        box = page.locator(f"[id='{container}'] input").first
                        type_like_a_person(page, box, "6")
                    answer_remaining_choices(page)
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
