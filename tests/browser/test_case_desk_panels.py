"""The precedent panel on the intake form shows a similar closed case as the matter is typed."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from cases import services
from cases.models import Case, ServiceHall, StaffProfile
from knowledge.models import Department, District

from .admin_session import sign_in
from .case_desk_data import ensure_case_desk_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The panel's first answers load the word dictionary (and train the triage model) on a busy CI machine.
PANEL_TIMEOUT = 20_000


def test_precedent_panel_on_intake(live_server, browser_page):
    ensure_case_desk_reference_data()
    hongkou = District.objects.get(code="hongkou")
    hall = ServiceHall.objects.create(name="虹口区政务服务中心", district=hongkou)
    market = Department.objects.create(name="虹口区市场监督管理局", slug="panel-scjg", district=hongkou)
    window = User.objects.create_user("window", "w@example.com", "panel-pass-1")
    window.groups.add(Group.objects.get(name="窗口人员"))
    StaffProfile.objects.create(user=window, hall=hall, district=hongkou)
    case = services.case_register(
        author=window, channel=Case.Channel.COUNTER, hall=hall, reporter_name="王某某",
        reporter_phone="13800007777", matter="铺位前租户没有完成企业注销，新商户办不了营业执照",
    )
    services.case_triage(case=case, author=None, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=None, lead_department=market, lead_task="协助前租户简易注销")
    services.case_close(case=case, author=None, outcome="done", resolution_summary="前租户完成简易注销，新商户已领照")

    page = browser_page
    sign_in(page, "window", "panel-pass-1")
    page.goto("/admin/cases/case/new/")
    page.fill("#id_matter", "前租户企业没有注销，我的营业执照办不下来")
    expect(page.get_by_test_id("precedents")).to_contain_text(case.tracking_number, timeout=PANEL_TIMEOUT)
    expect(page.get_by_test_id("precedents")).not_to_contain_text("王某某")


def test_choosing_the_service_item_routes_the_lead_department(live_server, browser_page, settings, tmp_path):
    """On intake, picking 所办事项 turns the model's guess into the catalogue's department."""
    from knowledge.models import ServiceItem

    settings.BANCHENG_TRIAGE_MODEL_PATH = tmp_path / "triage.joblib"  # trained from the samples on first use
    ensure_case_desk_reference_data()
    hongkou = District.objects.get(code="hongkou")
    ServiceHall.objects.create(name="虹口区政务服务中心", district=hongkou)
    market = Department.objects.create(name="虹口区市场监督管理局", slug="route-scjg", district=hongkou)
    ServiceItem.objects.create(name="食品经营许可", department=market)
    triage = User.objects.create_user("triage", "t@example.com", "route-pass-1")
    triage.groups.add(Group.objects.get(name="研判员"))
    StaffProfile.objects.create(user=triage, district=hongkou)

    page = browser_page
    sign_in(page, "triage", "route-pass-1")
    page.goto("/admin/cases/case/new/")
    page.select_option("#id_hall", label="虹口区政务服务中心")
    page.fill("#id_matter", "想开火锅店，窗口说楼下不能开餐饮，许可办不下来")
    suggestion = page.locator("[data-suggestion] p").first
    expect(suggestion).to_contain_text("建议分类", timeout=PANEL_TIMEOUT)
    expect(suggestion).not_to_contain_text("事项目录")
    page.select_option("#id_service_item", label="食品经营许可")
    expect(suggestion).to_contain_text(
        "主办部门：虹口区市场监督管理局（依据事项目录：「食品经营许可」的实施部门）", timeout=PANEL_TIMEOUT
    )
