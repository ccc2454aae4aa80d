"""A clerk's registration in real Chromium (issue 15, items 1 and 2).

While 反映事项 is typed, the precedent panel is in view beside the form (1366 px) or right
under the field (390 px) and names why each precedent matched; entering a phone that is on
file shows the earlier case with 并单; saving the same matter again asks first, and the repeat
is registered into the earlier case. Screenshots at 1366 and 390 px wide are left in
build/test-artifacts/ to be looked at.
"""

from urllib.parse import parse_qs

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from cases import services
from cases.models import Case, CaseMerge, ServiceHall, StaffProfile
from knowledge.models import Department, District
from tests.conftest import ARTIFACTS_DIR

from .admin_session import sign_in
from .case_desk_data import ensure_case_desk_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "intake-pass-123"
TIMEOUT = 20_000  # first answers load the word dictionary on a busy CI machine
PHONE = "13800006666"
MATTER = "新租的临街店面原来的租户公司一直没注销，地址被占用，营业执照办不下来。"


@pytest.fixture
def desk():
    from search.analysis import warm_up

    warm_up()  # the live server runs in this process: its first panel answer need not load jieba
    ensure_case_desk_reference_data()
    hongkou = District.objects.get(code="hongkou")
    hall = ServiceHall.objects.create(name="虹口区政务服务中心", district=hongkou)
    market = Department.objects.create(name="虹口区市场监督管理局", slug="intake-scjg", district=hongkou)
    window = User.objects.create_user("window", "w@example.com", PASSWORD)
    window.groups.add(Group.objects.get(name="窗口人员"))
    StaffProfile.objects.create(user=window, hall=hall, district=hongkou)
    # A resolved precedent in the case library, and the same reporter's open case of last week.
    precedent = services.case_register(
        author=window, channel=Case.Channel.COUNTER, hall=hall, reporter_name="王某某",
        reporter_phone="13800007777", matter="铺位前租户没有完成企业注销，新商户办不了营业执照",
    )
    services.case_triage(case=precedent, author=None, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=precedent, author=None, lead_department=market, lead_task="协助前租户简易注销")
    services.case_close(case=precedent, author=None, outcome="done", resolution_summary="前租户完成简易注销，新商户已领照")
    earlier = services.case_register(
        author=window, channel=Case.Channel.COUNTER, hall=hall, reporter_name="刘某某",
        reporter_phone=PHONE, matter=MATTER,
    )
    return {"precedent": precedent, "earlier": earlier}


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return bool(box) and box["y"] < viewport["height"] and box["y"] + min(box["height"], 120) > 0


def test_clerk_registers_with_precedents_in_view_and_a_duplicate_warning(live_server, browser_page, desk):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, "window", PASSWORD)
    page.goto("/admin/cases/case/new/")
    page.fill("#id_reporter_name", "刘某某")
    page.fill("#id_reporter_phone", PHONE)
    duplicates = page.locator("[data-duplicates]")
    # The phone alone is enough: the earlier case is named with why, and 并单 is offered.
    expect(duplicates).to_contain_text(desk["earlier"].tracking_number, timeout=TIMEOUT)
    expect(duplicates).to_contain_text("同一反映人（联系电话相同）")
    expect(duplicates.get_by_role("button", name="并单")).to_be_visible()

    matter = page.locator("#id_matter")
    # Before the matter is typed the panel says what it is for, not an empty box.
    hint = page.get_by_test_id("precedent-hint")
    expect(hint).to_contain_text("输入反映事项")
    matter.click()
    matter.press_sequentially("前租户公司没注销，营业执照办不下来", delay=20)
    panel = page.get_by_test_id("precedent-panel")
    precedents = page.get_by_test_id("precedents")
    expect(precedents).to_contain_text(desk["precedent"].tracking_number, timeout=TIMEOUT)
    expect(precedents).to_contain_text("相同词语：")
    expect(hint).to_be_hidden()
    expect(precedents).to_contain_text("营业执照")
    expect(precedents).not_to_contain_text("王某某")  # no personal data in the panel
    # Typing the matter, the panel is on screen beside it (not at the top of a scrolled-away column).
    expect(matter).to_be_focused()
    expect(matter).to_be_in_viewport()
    expect(panel).to_be_in_viewport()
    assert panel.bounding_box()["x"] > matter.bounding_box()["x"] + matter.bounding_box()["width"]
    page.screenshot(path=str(ARTIFACTS_DIR / "intake-typing-1366.png"))

    # The counter's answer weighs in the blocking-cause suggestion: typing it asks again with it.
    with page.expect_request(
        lambda r: r.method == "POST" and "counter_failure_reason=" in (r.post_data or ""), timeout=TIMEOUT
    ) as asked:
        page.fill("#id_counter_failure_reason", "系统提示地址已被占用，无法提交")
        page.locator("#id_counter_failure_reason").blur()
    assert parse_qs(asked.value.post_data)["counter_failure_reason"] == ["系统提示地址已被占用，无法提交"]
    matter.click()

    # On a phone the panel follows the matter field.
    page.set_viewport_size({"width": 390, "height": 844})
    matter.scroll_into_view_if_needed()
    matter_box, panel_box = matter.bounding_box(), panel.bounding_box()
    assert panel_box["y"] >= matter_box["y"] + matter_box["height"] - 1
    assert abs(panel_box["x"] - matter_box["x"]) < 40
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS_DIR / "intake-typing-390.png"))
    page.set_viewport_size({"width": 1366, "height": 768})

    # Saving the same matter again for the same reporter asks first; nothing is saved yet.
    matter.fill(MATTER)
    page.locator("[data-intake-save]").click()
    warning = page.get_by_test_id("repeat-warning")
    expect(warning).to_contain_text(desk["earlier"].tracking_number, timeout=TIMEOUT)
    assert Case.objects.count() == 2
    page.screenshot(path=str(ARTIFACTS_DIR / "intake-repeat-1366.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS_DIR / "intake-repeat-390.png"))
    page.set_viewport_size({"width": 1366, "height": 768})

    # 并单: the repeat is registered into the earlier case, whose page opens.
    page.get_by_role("button", name=f"登记并并入 {desk['earlier'].tracking_number}（并单）").click()
    expect(page.locator(".messages")).to_contain_text(f"并入案件 {desk['earlier'].tracking_number}", timeout=TIMEOUT)
    merge = CaseMerge.objects.get()
    assert merge.primary_id == desk["earlier"].pk and merge.merged.reporter_phone == PHONE
