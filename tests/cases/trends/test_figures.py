"""Each trend figure against counts worked out by hand on the fixed cases (see conftest)."""

import datetime

from cases.trends.periods import WEEK
from cases.trends.selectors import (
    TrendFilter, intake_tables, ledger_tables, resolution_tables, satisfaction_tables,
)

from .conftest import PERIOD

MONTHS = TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=datetime.date(2026, 10, 31))


def table(tables, key):
    return {t.key: t for t in tables}[key]


def column(t, heading):
    i = [str(h) for h in t.headings].index(heading)
    return [row[i] for row in t.rows]


def test_intake_per_month_with_an_empty_month_and_the_trend_line(triage_user, fixed_cases):
    t = table(intake_tables(triage_user, MONTHS), "intake")
    assert column(t, "期间") == ["2026-08", "2026-09", "2026-10"]
    assert column(t, "受理") == [0, 2, 3]  # August is a row of zero, 青浦 is not counted
    # Least squares through (0,0) (1,2) (2,3): slope 1.5, line 0.17, 1.67, 3.17.
    assert column(t, "趋势线") == [0.2, 1.7, 3.2]
    assert "每期增加 1.5 件" in t.note
    assert t.chart["datasets"][0]["data"] == [0, 2, 3] and t.chart["labels"] == column(t, "期间")


def test_intake_by_class_and_cause(triage_user, fixed_cases):
    tables = intake_tables(triage_user, MONTHS)
    classes = table(tables, "intake_class")
    assert column(classes, "难办") == [0, 2, 1] and column(classes, "快办") == [0, 0, 1]
    assert column(classes, "办不了") == [0, 0, 1]
    causes = table(tables, "intake_cause")
    assert column(causes, "历史遗留问题") == [0, 1, 1] and column(causes, "新老政策衔接") == [0, 1, 0]
    assert column(causes, "材料缺失") == [0, 0, 1] and column(causes, "其他") == [0, 0, 1]


def test_intake_per_week_counts_the_holiday_week(triage_user, fixed_cases):
    weeks = TrendFilter(date_from=datetime.date(2026, 9, 28), date_to=datetime.date(2026, 10, 18), granularity=WEEK)
    t = table(intake_tables(triage_user, weeks), "intake")
    assert column(t, "期间") == ["2026-09-28 当周", "2026-10-05 当周", "2026-10-12 当周"]
    assert column(t, "受理") == [1, 1, 2]  # E was registered on a 国庆 holiday


def test_outcomes_and_working_days_by_closing_month(triage_user, fixed_cases):
    tables = resolution_tables(triage_user, MONTHS)
    outcome = table(tables, "outcome")
    assert column(outcome, "办结") == [0, 1, 3]  # A registered in September, solved in October
    assert column(outcome, "办成") == [0, 0, 2] and column(outcome, "部分办成") == [0, 1, 0]
    assert column(outcome, "依法不能办，已告知替代途径") == [0, 0, 1]
    assert column(outcome, "办成占比（%）") == [None, 0.0, 66.7]
    days = table(tables, "close_days")
    # September: B 8 working days. October: C 1, A 2 (国庆 off), E 18 (10 Oct worked, 31 Oct a Saturday).
    assert column(days, "中位数") == [None, 8.0, 2.0]
    assert column(days, "第 90 百分位") == [None, 8.0, 18.0]


def test_overdue_escalations_returns_and_departments(triage_user, fixed_cases):
    tables = resolution_tables(triage_user, MONTHS)
    overdue = table(tables, "overdue")
    assert column(overdue, "受理") == [0, 2, 3]
    assert column(overdue, "超期办结") == [0, 0, 1]  # E, a day late
    assert column(overdue, "超期未办结") == [0, 0, 1]  # D
    assert column(overdue, "提级督办") == [0, 0, 1] and column(overdue, "退单/改派次数") == [0, 0, 2]
    rows = {(r[0], r[1]): r[2:] for r in table(tables, "departments").rows}
    # (dispatches, replied, on-time %, returned, overdue open, escalated)
    assert rows[("虹口区市场监督管理局", "主办")] == [1, 0, None, 0, 1, 1]
    assert rows[("虹口区税务局", "协办")] == [1, 1, 100.0, 0, 0, 1]
    assert rows[("虹口区税务局", "主办")] == [1, 1, 0.0, 0, 0, 0]  # replied 12 Oct, due 9 Oct
    assert len(rows) == 3


def test_satisfaction_by_closing_month(triage_user, fixed_cases):
    t = table(satisfaction_tables(triage_user, MONTHS), "ratings")
    assert column(t, "办结") == [0, 1, 3]
    assert column(t, "已评价") == [0, 1, 2] and column(t, "参评率（%）") == [None, 100.0, 66.7]
    assert column(t, "满意率（%）") == [None, 0.0, 100.0] and column(t, "差评") == [0, 1, 0]
    assert column(t, "非常满意") == [0, 0, 1] and column(t, "满意") == [0, 0, 1]


def test_ledger(triage_user, fixed_cases):
    t = ledger_tables(triage_user, MONTHS)[0]
    assert column(t, "容缺材料") == [0, 0, 2]
    assert column(t, "待补齐") == [0, 0, 1] and column(t, "已补齐") == [0, 0, 1]
    assert column(t, "超期未补齐") == [0, 0, 1]


def test_filters_narrow_every_figure(triage_user, fixed_cases, tax_dept):
    online = TrendFilter(date_from=MONTHS.date_from, date_to=MONTHS.date_to, channel="online")
    assert column(table(intake_tables(triage_user, online), "intake"), "受理") == [0, 0, 1]
    taxed = TrendFilter(date_from=MONTHS.date_from, date_to=MONTHS.date_to, department_id=tax_dept.pk)
    assert column(table(intake_tables(triage_user, taxed), "intake"), "受理") == [0, 1, 1]  # A and D
    assert {r[0] for r in table(resolution_tables(triage_user, taxed), "departments").rows} == {"虹口区税务局"}


def test_the_page_shows_the_same_figures_and_rejects_a_bad_period(client, triage_user, fixed_cases):
    client.force_login(triage_user)
    response = client.get("/admin/cases/trends/intake/", PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "受理量与趋势线" in html and 'data-chart="chart-intake"' in html and "趋势线每期增加" in html
    assert [r[1] for r in table(response.context["tables"], "intake").rows] == [0, 2, 3]
    bad = client.get("/admin/cases/trends/intake/", {"date_from": "2026-10-31", "date_to": "2026-08-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    weeks = client.get("/admin/cases/trends/intake/", {"date_from": "2024-04-01", "date_to": "2026-10-31",
                                                       "granularity": "week"})
    assert weeks.status_code == 400 and "按周统计的区间最长两年" in weeks.content.decode()
