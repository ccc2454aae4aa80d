"""One case through the whole loop in real Chromium (issue 4, "Done when").

窗口人员 registers it with a material missing under 容缺 → 研判员 classifies and
dispatches to a lead and a co-department → the co-department returns it with a
reason → it is reassigned → the lead replies → the material arrives → it closes
with 办成 → the reporter looks it up and rates it → staff find it in the case
library search, the public does not.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from cases.models import Case, ServiceHall, StaffProfile
from knowledge.models import Department, District

from .admin_session import sign_in, sign_out
from .case_desk_data import ensure_case_desk_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "loop-pass-123"


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
    market = Department.objects.create(name="虹口区市场监督管理局", slug="loop-scjg", district=hongkou)
    bund = Department.objects.create(name="北外滩市场监管所", slug="loop-bwt", district=hongkou)
    tax = Department.objects.create(name="虹口区税务局", slug="loop-sw", district=hongkou)
    staff("window", "窗口人员", hall=hall, district=hongkou)
    staff("triage", "研判员", district=hongkou)
    staff("dept", "部门经办人", department=market, district=hongkou)
    staff("taxdept", "部门经办人", department=tax, district=hongkou)
    staff("bunddept", "部门经办人", department=bund, district=hongkou)
    return {"hall": hall, "market": market, "bund": bund, "tax": tax}


def login(page, username):
    sign_in(page, username, PASSWORD)


def open_action(page, case_pk, action):
    page.goto(f"/admin/cases/case/inspect/{case_pk}/")
    details = page.locator(f"#action-{action}")
    if details.get_attribute("open") is None:  # the step the case waits for is open already
        details.locator("summary").click()
    return details


def submit(page, form):
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("已保存")


def test_case_loop(live_server, browser_page, desk):
    page = browser_page
    promised = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()

    # 1. 窗口人员 registers the case with a missing material (容缺).
    login(page, "window")
    page.goto("/admin/cases/case/new/")
    page.select_option("#id_channel", "counter")
    page.select_option("#id_hall", str(desk["hall"].pk))
    page.fill("#id_reporter_name", "王某某")
    page.fill("#id_reporter_phone", "13800004321")
    page.fill("#id_reporter_id_number", "11010519491231002")  # 17 digits: rejected in Chinese
    page.fill("#id_matter", "新租的铺位前租户没有完成企业注销，我办不了营业执照")
    page.fill("#id_material_name", "租赁合同原件")
    page.fill("#id_material_promised_date", promised)
    page.select_option("#id_material_supply_method", "mail")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("身份证号码位数不对")
    assert Case.objects.count() == 0
    page.fill("#id_reporter_id_number", "310109750812153")  # old 15-digit form, converted
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已受理登记")
    case = Case.objects.get()
    assert len(case.reporter_id_number) == 18
    expect(page.get_by_test_id("reporter-phone")).to_have_text("138****4321")
    expect(page.get_by_test_id("materials")).to_contain_text("租赁合同原件")

    # 2. 研判员 classifies and dispatches to a lead and a co-department.
    login(page, "triage")
    form = open_action(page, case.pk, "triage")
    form.locator("#id_triage-classification").select_option("difficult")
    form.locator("#id_triage-blocking_cause").select_option("legacy")
    submit(page, form)
    form = open_action(page, case.pk, "dispatch")
    form.locator("#id_dispatch-lead_department").select_option(str(desk["market"].pk))
    form.locator("#id_dispatch-lead_task").fill("协助前租户办理简易注销，提速办理新商户证照")
    form.locator("#id_dispatch-co1_department").select_option(str(desk["tax"].pk))
    form.locator("#id_dispatch-co1_task").fill("联系商场物业和前租户")
    submit(page, form)
    expect(page.get_by_test_id("dispatches")).to_contain_text("虹口区税务局")

    # 3. The co-department returns it with a reason.
    login(page, "taxdept")
    form = open_action(page, case.pk, "return")
    # The department's only pending dispatch is already chosen.
    expect(form.locator("#id_return-dispatch")).to_have_value(str(case.dispatches.get(department=desk["tax"]).pk))
    form.locator("#id_return-reason").fill("联系前租户属于市场监管所辖区职责，不属于本局")
    submit(page, form)
    expect(page.get_by_test_id("dispatches")).to_contain_text("已退单")

    # 4. The coordinator reassigns it.
    login(page, "triage")
    form = open_action(page, case.pk, "reassign")
    returned = case.dispatches.get(department=desk["tax"])
    form.locator("#id_reassign-dispatch").select_option(str(returned.pk))
    form.locator("#id_reassign-department").select_option(str(desk["bund"].pk))
    submit(page, form)
    expect(page.get_by_test_id("dispatches")).to_contain_text("北外滩市场监管所")
    expect(page.get_by_test_id("timeline")).to_contain_text("退单，理由：联系前租户属于市场监管所辖区职责")

    # 5. The lead department replies (its list of pending work shows the case).
    login(page, "dept")
    page.goto("/admin/cases/my-dispatches/")
    expect(page.locator("main")).to_contain_text(case.tracking_number)
    form = open_action(page, case.pk, "reply")
    expect(form.locator("#id_reply-dispatch")).to_have_value(
        str(case.dispatches.get(department=desk["market"], status="pending").pk)
    )
    form.locator("#id_reply-reply").fill("前租户已完成简易注销，新商户营业执照已提速办结")
    submit(page, form)

    # 6. The material arrives; 7. the case closes with 办成 (refused while the material is outstanding).
    login(page, "triage")
    form = open_action(page, case.pk, "close")
    form.locator("#id_close-outcome").select_option("done")
    form.locator("#id_close-resolution_summary").fill("前租户完成简易注销，您的营业执照已办好，可到窗口领取。")
    # The co-department has not answered: the form names it and asks before withdrawing it.
    expect(form.get_by_test_id("close-warning")).to_contain_text("北外滩市场监管所（协办）")
    form.locator("#id_close-confirm_withdraw").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#action-close")).to_contain_text("仍有容缺材料未补齐：租赁合同原件")
    login(page, "window")
    form = open_action(page, case.pk, "material_receive")
    expect(form.locator("#id_material_receive-material")).to_have_value(str(case.materials.get().pk))
    submit(page, form)
    expect(page.get_by_test_id("materials")).to_contain_text("已补齐")
    login(page, "triage")
    form = open_action(page, case.pk, "close")
    form.locator("#id_close-outcome").select_option("done")
    form.locator("#id_close-resolution_summary").fill("前租户完成简易注销，您的营业执照已办好，可到窗口领取。")
    form.locator("#id_close-confirm_withdraw").check()
    submit(page, form)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.outcome == Case.Outcome.DONE

    # 8. The reporter looks it up and rates it.
    sign_out(page)
    page.goto("/report/status/")
    page.fill("#id_tracking_number", case.tracking_number)
    page.fill("#id_phone_last4", "4321")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    expect(page.get_by_test_id("outcome")).to_have_text("办成")
    expect(page.get_by_test_id("messages")).to_contain_text("您的营业执照已办好")
    expect(page.locator("main")).not_to_contain_text("联系商场物业")  # dispatch tasks stay internal
    expect(page.locator("main")).not_to_contain_text("王某某")
    page.get_by_label("非常满意").check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_test_id("rating")).to_contain_text("非常满意")
    case.refresh_from_db()
    assert case.rating == 5

    # 9. Staff find it in the case library search; the public does not.
    page.goto("/search/?q=简易注销")
    expect(page.locator("main")).not_to_contain_text(case.tracking_number)
    login(page, "triage")
    page.goto("/search/?q=简易注销")
    expect(page.locator("main")).to_contain_text(case.tracking_number)
    login(page, "taxdept")  # returned its dispatch: still a department it was dispatched to
    page.goto("/search/?q=简易注销&type=case")
    expect(page.locator("main")).to_contain_text(case.tracking_number)
