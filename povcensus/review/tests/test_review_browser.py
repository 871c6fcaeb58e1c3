"""End to end in headless Chromium: collect → return with a comment → correct → accepted.

A household questionnaire arrives over OpenRosa as ODK Collect sends it (Digest, multipart,
photos); the rules check it on arrival.  In the browser the team's supervisor works the
queue from the keyboard (j/k between cases, r to return with a reason and a comment pinned
to a question); the enumerator finds the returned case first on the browser worklist with
the comment, opens it as an edit of the returned version (Web Forms, ``deprecatedID``
chain) and sends the corrected wage; the supervisor approves with ``a``, then the township
office, the county and the province pass it on; the case's history shows every step and
the field changed.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from povcensus.questionnaires.tests.webforms_driver import (
    CHROMIUM_ARGS,
    FLAGGED_INPUTS,
    answer_remaining_choices,
    question,
    type_like_a_person,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post(username: str, xml: bytes) -> None:
    from povcensus.collection.tests.collect_client import CollectClient
    from povcensus.collection.tests.data.make_payloads import JPEG, PNG, multipart
    from povcensus.devtools.demo import DEMO_PASSWORD

    body = multipart(
        xml,
        [
            ("hukou-1694226001.jpg", "image/jpeg", JPEG),
            ("signature-1694226011.png", "image/png", PNG),
        ],
    )
    response = CollectClient(Client(), username, DEMO_PASSWORD).post("/submission", body)
    assert response.status_code == 201, response.content


def send_until_done(page: Any) -> None:
    """Press the engine's Send until the page confirms (a required number the register left
    empty gets a value), as the browser collection's own end-to-end test does."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    done = page.locator("#collect-done")
    for _ in range(3):
        page.get_by_role("button", name="Send").click()
        try:
            done.wait_for(state="visible", timeout=8000)
            return
        except PlaywrightTimeout:
            for container in page.evaluate(FLAGGED_INPUTS):
                type_like_a_person(page, page.locator(f"[id='{container}'] input").first, "6")
            answer_remaining_choices(page)
    done.wait_for(state="visible")


def test_case_goes_from_collection_through_return_and_correction_to_province_acceptance(
    demo_world: Any, live_server: Any, monkeypatch: Any
) -> None:
    # Playwright's sync API keeps an event loop in this thread; the test's own database
    # reads between browser steps are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from povcensus.devtools.demo import DEMO_PASSWORD
    from povcensus.review.models import Case
    from povcensus.review.tests.conftest import household_numbers
    from povcensus.review.tests.pages import clean_household_xml, enumerator_of

    first_number, second_number = household_numbers(count=2)
    enumerator = enumerator_of(first_number)
    first_id = f"uuid:{uuid.uuid4()}"
    _post(enumerator.username, clean_household_xml(first_number, instance_id=first_id))
    _post(
        enumerator_of(second_number).username,
        clean_household_xml(second_number, instance_id=f"uuid:{uuid.uuid4()}"),
    )
    case = Case.objects.select_related("team__supervisor").get(
        assignment__household__number=first_number
    )
    second = Case.objects.get(assignment__household__number=second_number)
    assert case.state == "submitted"
    supervisor = case.team.supervisor.username
    url = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        errors: list[str] = []

        def signed_in(username: str) -> Any:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(20000)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{url}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{url}/")
            return page

        def state() -> str:
            return Case.objects.get(pk=case.pk).state

        try:
            # The supervisor: queue → case; j/k move between the two cases; r returns.
            page = signed_in(supervisor)
            page.click("nav.sidebar >> text=审核验收")
            page.wait_for_selector(f'tr[data-case="{case.pk}"]')
            page.click(f'tr[data-case="{case.pk}"] a.case-link')
            page.wait_for_selector(f'[data-review-case="{case.pk}"]')
            assert page.locator("#case-state").get_attribute("data-state") == "submitted"
            assert page.locator("svg.gps-sketch").count() == 1
            assert page.locator("#photos img").count() == 2
            page.keyboard.press("j")
            page.wait_for_selector(f'[data-review-case="{second.pk}"]')
            page.keyboard.press("k")
            page.wait_for_selector(f'[data-review-case="{case.pk}"]')
            page.keyboard.press("r")
            page.wait_for_selector("#return-form", state="visible")
            assert page.evaluate("document.activeElement.id") == "return-reason"
            page.keyboard.type("务工收入与台账不符，请入户核实")
            page.locator("select[name=comment_field]").first.select_option("h_wage_work")
            page.locator("input[name=comment_text]").first.fill("务工收入请核实，应为 38000 元")
            page.click("#return-submit")
            page.wait_for_selector(f'[data-review-case="{second.pk}"]')  # on to the next case
            assert state() == "in_progress"

            # The enumerator finds the returned case first on the browser worklist, with the
            # pinned comment, and on the review page; the worklist opens it as an edit of the
            # returned version (deprecatedID chain), the wage is corrected and sent.
            page = signed_in(enumerator.username)
            page.goto(f"{url}/review/")
            row = page.locator(f'tr[data-case="{case.pk}"]')
            row.wait_for()
            assert "务工收入请核实，应为 38000 元" in row.inner_text()
            page.goto(f"{url}/collect/")
            unit = page.locator("table.collect-units tbody tr").first
            assert unit.get_attribute("data-unit") == str(case.assignment_id)
            assert "务工收入请核实，应为 38000 元" in unit.inner_text()
            unit.get_by_role("link", name="修改退回问卷").click()
            page.wait_for_url("**/collect/edit/*/")
            page.wait_for_selector(".form-initialization-status.ready", state="attached")
            wage = question(page, "务工收入").locator("input").first
            assert wage.input_value().replace(",", "") == "36000"  # the returned version
            type_like_a_person(page, wage, "38000")
            send_until_done(page)
            edited = page.locator("#collect-done").get_attribute("data-instance")
            assert edited
            assert edited != first_id
            page.locator(f"#queue-list li[data-instance='{edited}'][data-state='sent']").wait_for()
            assert state() == "submitted"

            # Supervisor approves (a), township checks, county and province accept.
            for username, level, expected in [
                (supervisor, "review.supervisor", "supervisor_approved"),
                ("jinshan_office", "review.township", "township_checked"),
                ("county_reviewer", "review.county", "county_accepted"),
                ("province_reviewer", "review.province", "province_accepted"),
            ]:
                page = signed_in(username)
                page.goto(f"{url}/review/?level={level}")
                page.click(f'tr[data-case="{case.pk}"] a.case-link')
                page.wait_for_selector(f'[data-review-case="{case.pk}"]')
                assert page.locator("kbd", has_text="a").count() >= 1  # the hint is visible
                page.keyboard.press("a")
                page.wait_for_selector(".alert-success")
                assert state() == expected, username

            # The history shows every step, the return's comment and the changed field.
            page.goto(f"{url}/review/cases/{case.pk}/")
            actions = page.eval_on_selector_all(
                "ol.history > li", "items => items.map(i => i.dataset.action)"
            )
            assert actions == [
                "submit",
                "return",
                "submit",
                "approve",
                "check",
                "accept_county",
                "accept_province",
            ]
            history = page.locator("#history").inner_text()
            assert "务工收入与台账不符，请入户核实" in history
            assert "务工收入请核实，应为 38000 元" in history
            change = page.locator('#history tr[data-field="h_wage_work"]')
            assert float(change.locator("td.old").inner_text()) == 36000  # Collect: "36000"
            assert float(change.locator("td.new").inner_text()) == 38000  # Web Forms: "38000.0"
            assert page.locator("#case-state").get_attribute("data-state") == "province_accepted"
            assert errors == []
        finally:
            browser.close()
