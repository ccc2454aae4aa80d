"""统计分析 in a real browser: the chart and its table change together, and the XLSX reads back the same."""

import io

import pytest
from django.contrib.auth.models import Group, User
from openpyxl import load_workbook
from playwright.sync_api import expect

from cases.models import ServiceHall, StaffProfile
from knowledge.models import District
from tests.cases.trends.conftest import make_case

from .admin_session import sign_in
from .case_desk_data import ensure_case_desk_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART_DATA = "id => Chart.getChart(document.querySelector(`canvas[data-chart=${id}]`)).data.datasets[0].data"
CHART_LABELS = "id => Chart.getChart(document.querySelector(`canvas[data-chart=${id}]`)).data.labels"


def table_column(page, key, column):
    rows = page.get_by_test_id(f"trend-{key}").locator("tbody tr")
    return [rows.nth(i).locator("th, td").nth(column).inner_text() for i in range(rows.count())]


def test_trends_period_change_redraws_chart_and_table_and_exports(live_server, browser_page):
    ensure_case_desk_reference_data()
    hongkou = District.objects.get(code="hongkou")
    hall = ServiceHall.objects.create(name="虹口区政务服务中心", district=hongkou)
    user = User.objects.create_user("triage", "t@example.com", "trend-pass-1")
    user.groups.add(Group.objects.get(name="研判员"))
    StaffProfile.objects.create(user=user, district=hongkou)
    for created in ["2026-09-18", "2026-09-30", "2026-10-05", "2026-10-12", "2026-10-12"]:
        make_case(user, hall, created=created)

    page = browser_page
    sign_in(page, "triage", "trend-pass-1")
    page.goto("/admin/cases/trends/intake/?date_from=2026-08-01&date_to=2026-10-31")
    expect(page.get_by_role("heading", name="受理量与趋势线")).to_be_visible()
    assert page.evaluate(CHART_LABELS, "chart-intake") == ["2026-08", "2026-09", "2026-10"]
    assert page.evaluate(CHART_DATA, "chart-intake") == [0, 2, 3]
    assert table_column(page, "intake", 1) == ["0", "2", "3"]

    # A different period, by week: the chart and the table beneath it change together.
    page.get_by_label("受理日期自").fill("2026-09-28")
    page.get_by_label("至", exact=True).fill("2026-10-18")
    page.get_by_label("统计周期").select_option("week")
    page.get_by_role("button", name="统计").click()
    expect(page.get_by_test_id("trend-intake").locator("tbody tr")).to_have_count(3)
    assert page.evaluate(CHART_LABELS, "chart-intake") == ["2026-09-28 当周", "2026-10-05 当周", "2026-10-12 当周"]
    assert page.evaluate(CHART_DATA, "chart-intake") == [1, 1, 2]
    assert table_column(page, "intake", 0) == page.evaluate(CHART_LABELS, "chart-intake")
    assert table_column(page, "intake", 1) == ["1", "1", "2"]

    with page.expect_download() as download:
        page.get_by_test_id("export-intake-xlsx").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0] == ["期间", "受理", "趋势线"]
    assert [r[:2] for r in rows[1:]] == [["2026-09-28 当周", 1], ["2026-10-05 当周", 1], ["2026-10-12 当周", 2]]
