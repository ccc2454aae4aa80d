"""办成一类事: a coordinator sees a recurring class in the demo and opens it as a 类案.

Three Hongkou shops were blocked by a former tenant's unfinished deregistration.
The 研判员 finds them grouped in 一类事, opens a 类案 with the 市场监管局 as
owner, and finds it in the 类案 list with its cases.
"""

import pytest
from playwright.sync_api import expect

from cases import demo as cases_demo
from cases.models import ClassCase
from knowledge import demo as knowledge_demo
from tests.browser.test_editorial import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "前租户未注销，新商户办不了证照"


def test_coordinator_opens_a_recurring_class_as_a_class_case(live_server, browser_page):
    knowledge_demo.load()
    cases_demo.load()
    page = browser_page

    log_in(page, "triage")
    page.get_by_role("button", name="办不成事工作台").click()  # the sidebar group
    page.get_by_role("link", name="一类事").first.click()
    main = page.locator("main")
    expect(main).to_contain_text("虹口区市场监督管理局")
    expect(main).to_contain_text("注销")
    assert not ClassCase.objects.exists()

    # Each case number opens its case page.
    numbers = main.locator("[data-class-report] td a", has_text="BCS-")
    expect(numbers).to_have_count(3)
    assert "/admin/cases/case/inspect/" in numbers.first.get_attribute("href")

    # The 类别 column stays readable: on a phone the table scrolls sideways instead, and opening
    # the form beside it squeezed it to one character a line.
    label_cell = main.locator("[data-class-report] tbody td").first
    page.set_viewport_size({"width": 390, "height": 844})
    assert label_cell.bounding_box()["width"] >= 150
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("summary", has_text="开为类案").first.click()
    assert label_cell.bounding_box()["width"] >= 150
    form = page.locator("details[open] form").first
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=owner_department]").select_option(label="虹口区市场监督管理局")
    form.get_by_role("button", name="开为类案").click()

    expect(page.locator(".messages")).to_contain_text(TITLE)
    class_case = ClassCase.objects.get()
    assert class_case.title == TITLE
    assert class_case.cases.count() == 3

    page.goto("/admin/")
    page.get_by_role("button", name="办不成事工作台").click()
    page.get_by_role("link", name="类案", exact=True).first.click()
    expect(page.locator("main")).to_contain_text(TITLE)
