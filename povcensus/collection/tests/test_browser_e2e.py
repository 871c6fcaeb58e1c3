"""Browser collection end to end in headless Chromium, with the connection dropped.

An enumerator opens the worklist (the service worker keeps the pages, form, prefill media
and assets), the network goes away (Playwright's offline mode: the Chrome DevTools
Protocol's network emulation, applied to the page and to the service worker; both are
probed), the household's form opens from the offline copy already
prefilled from the register, is filled with real key and mouse events and finalized; it
waits in the IndexedDB queue.  When the network comes back the queue drains by itself and
the server holds the submission exactly once.  Then the case is returned (review's
worklist annotator): it is listed first with the comment and opens as an edit of the last
version, whose instanceID becomes the new version's deprecatedID.
"""

from __future__ import annotations

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

# Put into the outbox a different questionnaire under an instanceID already stored.
INJECT_CONFLICT = """({instanceId, user}) => new Promise((resolve, reject) => {
  const xml = '<data id="household" version="2023090101"><hh_number>0</hh_number>'
    + '<meta><instanceID>' + instanceId + '</instanceID></meta></data>';
  const open = indexedDB.open('povcensus-collect', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction('outbox', 'readwrite');
    const now = new Date().toISOString();
    tx.objectStore('outbox').put({instanceId, user, label: 'conflict', editOf: '', xml,
      files: [], state: 'waiting', message: '', attempts: 0, createdAt: now, updatedAt: now});
    tx.oncomplete = () => { open.result.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
})"""
PROBE = "() => fetch('/healthz', {cache: 'no-store'}).then(() => 'online', () => 'offline')"


def _fill_household(page: Any) -> None:
    choose(page, "以上成员信息已逐一核实", "是")
    for label, amount in INCOME.items():
        type_like_a_person(page, question(page, label).locator("input").first, amount)
    type_like_a_person(page, question(page, "距村主干路距离（公里）").locator("input").first, "1.5")
    type_like_a_person(page, question(page, "受访者姓名").locator("input").first, "受访者")
    question(page, "户主（受访者）签字").locator("input[type=file]").set_input_files(
        files=[{"name": "signature.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    answer_remaining_choices(page)


def _finalize(page: Any) -> None:
    """Press the engine's Send until it accepts (a required number the register left empty
    gets a value)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    done = page.locator("#collect-done")
    for _ in range(3):
        page.get_by_role("button", name="Send").click()
        try:
            done.wait_for(state="visible", timeout=8000)
            return
        except PlaywrightTimeout:
            for container in page.evaluate(FLAGGED_INPUTS):
                box = page.locator(f"[id='{container}'] input").first
                type_like_a_person(page, box, "6")
            answer_remaining_choices(page)
    done.wait_for(state="visible")


def _stored_count(instance_id: str) -> int:
    """Submissions with this instanceID, read from another thread (Playwright's sync API
    runs an event loop in this one, where Django refuses database access)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from povcensus.collection.models import Submission

    def count() -> int:
        try:
            return Submission.objects.filter(instance_id=instance_id).count()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(count).result()


def test_offline_household_is_queued_sent_once_online_then_returned_and_edited(
    demo_world: Any, live_server: Any
) -> None:
    from playwright.sync_api import sync_playwright

    from povcensus.assignment.models import Assignment, UnitStatus
    from povcensus.collection.extensions import (
        register_worklist_annotator,
        unregister_worklist_annotator,
    )
    from povcensus.collection.models import Submission, SubmissionSource
    from povcensus.collection.services import forget_form_shapes
    from povcensus.devtools.demo import DEMO_PASSWORD

    # The demo was rebuilt for this committed-data test: earlier tests' cached form shapes
    # name versions and campaigns by their old ids.
    forget_form_shapes()
    unit = (
        Assignment.objects.filter(campaign=demo_world.campaign, kind="household")
        .select_related("household", "team")
        .order_by("household__number")
        .first()
    )
    assert unit is not None
    assert unit.household is not None
    household = unit.household
    member_names = list(household.members.order_by("seq").values_list("name", flat=True))
    members = len(member_names)
    username = unit.team.members.get(slot=1).user.username

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                locale="zh-CN", viewport={"width": 1280, "height": 1000}, base_url=live_server.url
            )
            page = context.new_page()
            page.set_default_timeout(20000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto("/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/")

            page.goto("/collect/")
            row = page.locator(f"tr[data-unit='{unit.pk}']")
            assert household.number in row.inner_text()
            page.locator("#collect-app[data-offline-ready='true']").wait_for(state="attached")
            worker = context.service_workers[0]

            # Offline: the page and the service worker both lose the network.
            context.set_offline(True)
            assert page.evaluate(PROBE) == "offline"
            assert worker.evaluate(PROBE) == "offline"

            page.goto(f"/collect/unit/{unit.pk}/")  # from the service worker's copy
            page.locator("#webform[data-mounted='true']").wait_for(state="attached")
            page.wait_for_selector(".form-initialization-status.ready", state="attached")
            assert page.locator("#net-state.offline").is_visible()
            # Prefilled from the register (the same media Collect gets), not chosen by hand.
            page.get_by_text(f"户主 {household.head_name}").wait_for()
            choose(page, "调查结果", "完成调查")
            question(page, "姓名", members - 1).wait_for()
            for index, name in enumerate(member_names):
                name_box = question(page, "姓名", index).locator("input").first
                assert name_box.input_value() == name
            _fill_household(page)
            _finalize(page)

            instance_id = page.locator("#collect-done").get_attribute("data-instance")
            assert instance_id
            assert instance_id.startswith("uuid:")
            page.locator(
                f"#queue-list li[data-instance='{instance_id}'][data-state='waiting']"
            ).wait_for()
            assert page.locator("#collect-queue").get_attribute("data-pending") == "1"
            assert _stored_count(instance_id) == 0

            # Back to the worklist, still offline: its copy opens, the item waits there.
            page.goto("/collect/")
            page.locator(f"tr[data-unit='{unit.pk}']").wait_for()
            page.locator(
                f"#queue-list li[data-instance='{instance_id}'][data-state='waiting']"
            ).wait_for()

            # Back online: the queue drains by itself.
            context.set_offline(False)
            page.locator(
                f"#queue-list li[data-instance='{instance_id}'][data-state='sent']"
            ).wait_for()
            page.locator("#collect-queue[data-pending='0']").wait_for(state="attached")

            # A second send of the whole queue (another tab, a retry) changes nothing.
            page.locator("#queue-send").click()
            page.locator("#collect-queue[data-pending='0']").wait_for(state="attached")

            # The supervisor returns it (review's annotator): it comes first and opens as
            # an edit of the version just sent.
            def returned(*, actor: Any, unit_ids: list[int]) -> dict[int, dict[str, Any]]:
                comment = {
                    "field": "z_respondent_name",
                    "member_index": None,
                    "text": "请核对受访者",
                }
                return {unit.pk: {"returned": True, "comments": [comment], "edit_of": instance_id}}

            register_worklist_annotator(returned)
            try:
                page.goto("/collect/")
                row = page.locator("table.collect-units tbody tr").first
                assert row.get_attribute("data-unit") == str(unit.pk)
                assert "请核对受访者" in row.inner_text()
                row.get_by_role("link", name="修改退回问卷").click()
                page.wait_for_url("**/collect/edit/*/")
                page.wait_for_selector(".form-initialization-status.ready", state="attached")
                name_box = question(page, "受访者姓名").locator("input").first
                assert name_box.input_value() == "受访者"  # the last version's answer
                type_like_a_person(page, name_box, "户主本人")
                _finalize(page)
                edited = page.locator("#collect-done").get_attribute("data-instance")
                assert edited
                assert edited != instance_id
                page.locator(
                    f"#queue-list li[data-instance='{edited}'][data-state='sent']"
                ).wait_for()
            finally:
                unregister_worklist_annotator(returned)

            # Other content under an instanceID the server holds: refused, 409 shown.
            page.evaluate(INJECT_CONFLICT, {"instanceId": edited, "user": username})
            page.locator("#queue-send").click()
            refused = page.locator(
                f"#queue-list li[data-instance='{edited}'][data-state='refused']"
            )
            refused.wait_for()
            assert "409" in refused.inner_text()
            assert "拒绝覆盖" in refused.inner_text()
            assert errors == []
        finally:
            browser.close()

    stored = Submission.objects.get(instance_id=instance_id)
    assert Submission.objects.filter(root_instance_id=instance_id, version_number=1).count() == 1
    assert stored.source == SubmissionSource.BROWSER
    assert stored.household_id == household.pk
    assert stored.data["hh_number"] == household.number
    assert stored.data["reg_head_name"] == household.head_name
    assert stored.members.count() == members
    assert stored.attachments.filter(name__endswith=".png").exists()
    unit.refresh_from_db()
    assert unit.status == UnitStatus.SUBMITTED

    # The edit is the chain's second version; the first is kept.
    versions = list(Submission.objects.filter(household=household).order_by("version_number"))
    assert [v.instance_id for v in versions] == [instance_id, edited]
    newest = versions[1]
    assert newest.deprecated_id == instance_id
    assert newest.root_instance_id == instance_id
    assert newest.version_number == 2
    assert newest.is_current
    assert not versions[0].is_current
    assert newest.data["z_respondent_name"] == "户主本人"
    assert newest.attachments.count() == stored.attachments.count()
