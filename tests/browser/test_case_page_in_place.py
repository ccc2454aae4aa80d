"""One case page, actions in place (issue 15, item 3), in real Chromium.

A coordinator takes a case from 研判 to 好差评 without the page ever reloading: each
action saves in place, the timeline grows, the next step is highlighted, closing with a
department still working asks first and names it. A window clerk refers a 非政务服务
matter on the spot in one step. Screenshots of the case page at 1366 and 390 px wide
are left in build/test-artifacts/ to be looked at.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from cases import services
from cases.models import Case, ServiceHall, StaffProfile
from knowledge.models import Department, District
from tests.conftest import ARTIFACTS_DIR

from .admin_session import sign_in
from .case_desk_data import ensure_case_desk_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "in-place-pass-123"
SAVE_TIMEOUT = 20_000  # a save is a POST and the case page it answers with, on a busy CI machine


def staff(username, group, **profile):
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    StaffProfile.objects.create(user=user, **profile)
    return user


@pytest.fixture
def desk():
    ensure_case_desk_reference_data()
    hongkou = District.objects.get(code="hongkou")
    hall = ServiceHall.objects.create(name="虹口区政务服务中心", district=hongkou)
    market = Department.objects.create(name="虹口区市场监督管理局", slug="inplace-scjg", district=hongkou)
    tax = Department.objects.create(name="虹口区税务局", slug="inplace-sw", district=hongkou)
    window = staff("window", "窗口人员", hall=hall, district=hongkou)
    staff("triage", "研判员", district=hongkou)
    return {"hall": hall, "market": market, "tax": tax, "window": window, "district": hongkou}


def watch_navigations(page) -> list:
    """Every main-frame navigation after this call (a full reload or a link followed)."""
    seen = []
    page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
    page.evaluate("window.__sameDocument = true")
    return seen


def act(page, action):
    details = page.locator(f"#action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def saved(page, text):
    expect(page.locator(".messages")).to_contain_text("已保存", timeout=SAVE_TIMEOUT)
    expect(page.get_by_test_id("timeline")).to_contain_text(text, timeout=SAVE_TIMEOUT)


def shoot(page, name):
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        # The admin scrolls inside its own container: make the window as tall as the content.
        height = page.evaluate("Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
        page.set_viewport_size({"width": width, "height": min(height, 6000)})
        page.screenshot(path=str(ARTIFACTS_DIR / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1366, "height": 900})


def test_coordinator_takes_a_case_through_on_one_page(live_server, browser_page, desk):
    page = browser_page
    case = services.case_register(
        author=desk["window"], channel="counter", hall=desk["hall"], reporter_name="王某某",
        reporter_phone="13800004321", matter="新租的铺位前租户没有完成企业注销，我办不了营业执照",
    )
    sign_in(page, "triage", PASSWORD)
    page.goto(f"/admin/cases/case/inspect/{case.pk}/")
    navigations = watch_navigations(page)

    # 研判: the step the case waits for is open and marked.
    triage = page.locator("#action-triage")
    expect(triage).to_have_class("case-action case-action--next", timeout=SAVE_TIMEOUT)
    expect(page.get_by_test_id("next-action")).to_contain_text("研判分类", timeout=SAVE_TIMEOUT)
    triage.locator("#id_triage-classification").select_option("difficult")
    triage.locator("#id_triage-blocking_cause").select_option("legacy")
    triage.locator("button[type=submit]").click()
    saved(page, "研判为“难办”")
    # The suggestion made before the decision is gone with it.
    expect(page.locator("[data-suggestion]")).to_have_count(0, timeout=SAVE_TIMEOUT)

    # 分办 is now the highlighted step; a missing task is said in place, nothing lost.
    dispatch = page.locator("#action-dispatch")
    expect(dispatch).to_have_class("case-action case-action--next", timeout=SAVE_TIMEOUT)
    dispatch.locator("#id_dispatch-lead_department").select_option(str(desk["market"].pk))
    dispatch.locator("#id_dispatch-co1_department").select_option(str(desk["tax"].pk))
    dispatch.locator("#id_dispatch-co1_task").fill("核对清税情况")
    dispatch.locator("button[type=submit]").click()
    expect(page.locator("#action-dispatch")).to_contain_text("请填写“主办任务”", timeout=SAVE_TIMEOUT)
    expect(page.locator("#id_dispatch-co1_task")).to_have_value("核对清税情况", timeout=SAVE_TIMEOUT)
    page.locator("#id_dispatch-lead_task").fill("协助前租户办理简易注销")
    page.locator("#action-dispatch button[type=submit]").click()
    saved(page, "分办至 虹口区市场监督管理局")
    expect(page.get_by_test_id("dispatches")).to_contain_text("虹口区税务局", timeout=SAVE_TIMEOUT)
    services.dispatch_reply(dispatch=case.dispatches.get(department=desk["market"]), author=None,
                            reply="前租户已完成简易注销")

    # 容缺: the department's reply arrived meanwhile, so this form was shown at an older
    # version: refused in place with the reason, then done on the refreshed page.
    material = act(page, "material_add")
    material.locator("#id_material_add-name").fill("租赁合同原件")
    promised = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    material.locator("#id_material_add-promised_date").fill(promised)
    material.locator("#id_material_add-supply_method").select_option("mail")
    material.locator("button[type=submit]").click()
    expect(page.get_by_test_id("action-refusal")).to_have_text("该案件已被他人修改，请刷新后重试", timeout=SAVE_TIMEOUT)
    expect(page.get_by_test_id("timeline")).to_contain_text("前租户已完成简易注销")  # the refreshed page shows why
    expect(page.locator("#id_material_add-name")).to_have_value("租赁合同原件")  # nothing typed is lost
    page.locator("#action-material_add button[type=submit]").click()
    saved(page, "容缺受理：租赁合同原件")

    # 材料补齐 is next.
    receive = page.locator("#action-material_receive")
    expect(receive).to_have_class("case-action case-action--next", timeout=SAVE_TIMEOUT)
    receive.locator("button[type=submit]").click()
    saved(page, "已收到容缺材料：租赁合同原件")
    shoot(page, "case-page-before-close")

    # 办结 while 虹口区税务局 is still working: named, and asked before withdrawing.
    close = act(page, "close")
    expect(close.get_by_test_id("close-warning")).to_contain_text("仍有部门未答复：虹口区税务局（协办）", timeout=SAVE_TIMEOUT)
    close.locator("#id_close-outcome").select_option("done")
    close.locator("#id_close-resolution_summary").fill("前租户已注销，您的营业执照可以办理了。")
    close.locator("button[type=submit]").click()
    expect(page.locator("#action-close")).to_contain_text("请勾选确认撤回", timeout=SAVE_TIMEOUT)
    page.locator("#id_close-confirm_withdraw").check()
    page.locator("#action-close button[type=submit]").click()
    saved(page, "未答复的分办随之撤回：虹口区税务局（协办）")

    # 好差评 is the next step of a closed case.
    rate = page.locator("#action-rate")
    expect(rate).to_have_class("case-action case-action--next", timeout=SAVE_TIMEOUT)
    rate.locator("#id_rate-rating").select_option("5")
    rate.locator("button[type=submit]").click()
    saved(page, "反映人评价：非常满意")
    shoot(page, "case-page-closed")

    case.refresh_from_db()
    assert (case.status, case.outcome, case.rating) == ("closed", "done", 5)
    assert navigations == [], navigations
    assert page.evaluate("window.__sameDocument") is True


def test_window_clerk_refers_a_parking_fee_question_on_the_spot(live_server, browser_page, desk):
    page = browser_page
    sign_in(page, "window", PASSWORD)
    page.goto("/admin/cases/case/new/")
    page.select_option("#id_channel", "counter")
    page.select_option("#id_hall", str(desk["hall"].pk))
    page.fill("#id_reporter_name", "李某某")
    page.fill("#id_reporter_phone", "13900007788")
    page.fill("#id_matter", "小区停车费一年涨了两次，物业不给说法，想问政府能不能管")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已受理登记", timeout=SAVE_TIMEOUT)
    case = Case.objects.get()
    navigations = watch_navigations(page)

    refer = act(page, "refer")
    refer.locator("#id_refer-referred_to").fill("小区物业服务中心、12345 市民服务热线")
    refer.locator("#id_refer-referral_reason").fill("停车收费属于物业管理事项，不属政务服务")
    refer.locator("#id_refer-resolution_summary").fill("请向小区物业服务中心咨询；如有异议可拨打 12345 热线。")
    refer.locator("button[type=submit]").click()
    saved(page, "已办结，结果：转其他渠道")
    expect(page.get_by_test_id("timeline")).to_contain_text("研判为“非政务服务”", timeout=SAVE_TIMEOUT)
    expect(page.locator("#action-refer")).to_have_count(0, timeout=SAVE_TIMEOUT)
    shoot(page, "case-page-referred")

    case.refresh_from_db()
    assert (case.classification, case.status, case.outcome) == ("out_of_scope", "closed", "referred")
    assert navigations == [], navigations
