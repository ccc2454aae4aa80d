"""工作统计: figures over the cases a user answers for, a clear message on bad input, an XLSX without personal data."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases import services
from cases.models import Case

from .conftest import _user, register

URL = "/admin/cases/statistics/"


def close(case, author, *, days_late: int = 0, rating: int | None = None):
    services.case_triage(case=case, author=author, classification="difficult", blocking_cause="legacy")
    services.case_close(case=case, author=author, outcome="done", resolution_summary="已办成")
    case.refresh_from_db()
    # Deadline relative to the closing day: on time, or ``days_late`` days late.
    Case.objects.filter(pk=case.pk).update(
        deadline=timezone.localdate(case.closed_at) - datetime.timedelta(days=days_late)
    )
    if rating is not None:
        services.case_rate(case=case, rating=rating, comment="")
    return case


@pytest.fixture
def period_cases(window_user, triage_user, hall, qingpu_case):
    on_time = close(register(window_user, hall, matter="前租户未注销，营业执照办不下来"), triage_user, rating=5)
    late = close(register(window_user, hall, matter="股东失联无法注销"), triage_user, days_late=3, rating=1)
    overdue = register(window_user, hall, matter="法人变更缺身份证原件")
    Case.objects.filter(pk=overdue.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    return {"on_time": on_time, "late": late, "overdue": overdue, "qingpu": qingpu_case}


def overview(response) -> dict[str, str]:
    return {str(k): str(v) for k, v in response.context["overview"]}


def test_figures_cover_the_users_district_only(client, triage_user, qingpu_triage_user, period_cases):
    client.force_login(triage_user)
    response = client.get(URL)
    assert response.status_code == 200
    figures = overview(response)
    assert figures["受理"] == "3" and figures["办结"] == "2" and figures["办结率"] == "66.7%"
    assert figures["按时办结率"] == "50.0%（1/2）"
    assert figures["超期未办结"] == "1"
    assert figures["满意率"] == "50.0%（1/2）" and figures["差评"] == "1"
    assert figures["差评整改（已验收/总数）"] == "0/1"  # the 差评 opened a rectification
    html = response.content.decode()
    assert "工作统计" in html and "难办" in html and "历史遗留问题" in html

    # The overdue figure opens the same cases in the case list.
    listed = client.get(response.context["overdue_url"]).content.decode()
    assert period_cases["overdue"].tracking_number in listed
    assert period_cases["late"].tracking_number not in listed
    months = next(s for s in response.context["sections"] if s["title"] == "按月")["rows"]
    assert [(m, n, c) for m, n, c, _rate in months] == [(f"{timezone.localdate():%Y-%m}", 3, 2)]

    client.force_login(qingpu_triage_user)
    assert overview(client.get(URL))["受理"] == "1"


def test_period_filter_and_presets(client, triage_user, period_cases):
    Case.objects.filter(pk=period_cases["overdue"].pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    client.force_login(triage_user)
    today = timezone.localdate()
    response = client.get(URL, {"date_from": (today - datetime.timedelta(days=30)).isoformat(),
                                "date_to": today.isoformat()})
    assert overview(response)["受理"] == "2"
    assert "本月" in response.content.decode() and "上月" in response.content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date_from": "2026-13-01"}, "请输入有效日期"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "结束日期不能早于开始日期"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "统计区间最长三年"),
        ({"district": "999999"}, "选择一个有效的选项"),
    ],
)
def test_bad_filters_get_a_chinese_message_not_an_error(client, triage_user, period_cases, params, message):
    client.force_login(triage_user)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "overview" not in response.context


def test_library_readers_and_the_public_get_no_statistics(client, db, period_cases):
    editor = User.objects.create_user("editor", password="pw-123456")
    editor.groups.add(Group.objects.get(name="编辑"))
    client.force_login(editor)
    refused = client.get(URL)  # Wagtail's way: back to the dashboard with "没有权限"
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert "工作统计" not in client.get(reverse("wagtailadmin_home")).content.decode()
    client.logout()
    assert client.get(URL)["Location"].startswith(reverse("wagtailadmin_login"))


def test_department_staff_count_the_cases_dispatched_to_them(client, dispatched_case, dept_user, period_cases):
    client.force_login(dept_user)
    response = client.get(URL)
    assert overview(response)["受理"] == "1"
    departments = next(s for s in response.context["sections"] if s["title"] == "部门办理")
    assert [row[0] for row in departments["rows"]] == ["虹口区市场监督管理局", "虹口区税务局"]


def test_xlsx_export_has_the_figures_and_no_personal_data(client, triage_user, period_cases):
    client.force_login(triage_user)
    response = client.get(URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="bancheng-statistics-')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "总览" and "部门办理" in book.sheetnames
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "受理" in cells and "3" in cells
    assert not any("张某某" in c or "13800001234" in c for c in cells)
