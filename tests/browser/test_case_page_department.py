"""The case page as a department reads it, in real Chromium: a 个体工商户's name masked like
the reporter's, and the reply form held to its card on a phone (a dispatch's long label
used to widen its select and push the whole page sideways). Screenshots at 1366 and 390 px
wide are left in build/test-artifacts/ to be looked at."""

import pytest
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from kernel import personal_data
from tests.conftest import ARTIFACTS_DIR

from .admin_session import sign_in
from .test_case_page_in_place import PASSWORD, desk, staff  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "张三丰生煎小吃店"


def test_a_department_reads_a_sole_traders_case_masked_and_without_sideways_scrolling(
    live_server, browser_page, desk  # noqa: F811
):
    code = "92310109MA1G5B3C6" + personal_data.credit_code_check_char("92310109MA1G5B3C6")
    triage = staff("triage2", "研判员", district=desk["district"])
    staff("dept", "部门经办人", department=desk["market"], district=desk["district"])
    case = services.case_register(
        author=desk["window"], channel="counter", hall=desk["hall"], reporter_type=Case.ReporterType.ENTERPRISE,
        reporter_name="张三丰", reporter_phone="13800004321", enterprise_name=SHOP, credit_code=code,
        matter=f"{SHOP}反映：前租户没有完成企业注销，营业执照办不下来",
    )
    services.case_triage(case=case, author=triage, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage, lead_department=desk["market"],
                           lead_task=f"联系{SHOP}，协助前租户办理简易注销")

    page = browser_page
    sign_in(page, "dept", PASSWORD)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/admin/cases/case/inspect/{case.pk}/")
        expect(page.get_by_test_id("enterprise-name")).to_have_text("张*******")
        expect(page.locator("#action-reply select")).to_be_visible()
        assert SHOP not in page.content() and "三丰" not in page.content()
        # The admin scrolls inside <main>: wider content there is a page that moves sideways.
        wide, window = page.evaluate("[document.querySelector('main').scrollWidth, window.innerWidth]")
        assert wide <= window, f"the case page is {wide} px wide in a {window} px window"
        page.screenshot(path=str(ARTIFACTS_DIR / f"case-department-sole-trader-{width}.png"), full_page=True)
