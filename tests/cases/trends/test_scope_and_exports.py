"""Who sees which trend figures, and the exports carrying the same numbers for the same filter."""

import csv
import io

from openpyxl import load_workbook

from cases.trends.exports import csv_text

from .conftest import PERIOD

URL = "/admin/cases/trends/"


def csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens Chinese CSV right only with the BOM
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_department_sees_only_its_own_figures_and_exports(client, dept_user, fixed_cases):
    client.force_login(dept_user)
    response = client.get(URL + "intake/", PERIOD)
    assert response.status_code == 200
    intake = {t.key: t for t in response.context["tables"]}["intake"]
    assert [r[1] for r in intake.rows] == [0, 0, 1]  # only D was dispatched to 市场监管
    # The filter offers its own department only; no district, hall or other department.
    form = response.context["form"]
    assert "district" not in form.fields and "hall" not in form.fields
    assert [d.name for d in form.fields["department"].queryset] == ["虹口区市场监督管理局"]

    departments = client.get(URL + "resolution/", {**PERIOD, "export": "departments", "format": "csv"})
    rows = csv_rows(departments)
    assert rows[0][:3] == ["部门", "角色", "分办"]
    assert [r[:3] for r in rows[1:]] == [["虹口区市场监督管理局", "主办", "1"]]  # not 税务's co-dispatch on D
    book = load_workbook(io.BytesIO(client.get(URL + "resolution/", {**PERIOD, "export": "all",
                                                                      "format": "xlsx"}).content))
    sheet = book["各部门办理（主办、协办分列）"]
    assert [[c.value for c in row][:3] for row in sheet.iter_rows(min_row=2)] == [["虹口区市场监督管理局", "主办", 1]]
    assert "虹口区税务局" not in str([[c.value for c in row] for s in book for row in s.iter_rows()])

    # Another department's figures cannot be asked for, and city-wide search logs are not theirs.
    other = client.get(URL + "intake/", {**PERIOD, "department": fixed_cases["D"].dispatches.get(role="co")
                                         .department_id})
    assert other.status_code == 400
    assert client.get(URL + "search/").status_code == 404
    assert "搜索" not in [str(t["label"]) for t in response.context["tabs"]]


def test_district_scope_and_exports_match_the_page(client, triage_user, qingpu_triage_user, fixed_cases, qingpu):
    client.force_login(triage_user)
    page = client.get(URL + "intake/", PERIOD)
    shown = {t.key: t for t in page.context["tables"]}["intake_class"]
    rows = csv_rows(client.get(URL + "intake/", {**PERIOD, "export": "intake_class", "format": "csv"}))
    assert rows[0] == [str(h) for h in shown.headings]
    assert rows[1:] == [[str(c) for c in r] for r in shown.rows]
    book = load_workbook(io.BytesIO(client.get(URL + "intake/", {**PERIOD, "export": "intake",
                                                                  "format": "xlsx"}).content))
    assert [[c.value for c in row] for row in book.active.iter_rows(min_row=2)][:3] == [
        ["2026-08", 0, 0.2], ["2026-09", 2, 1.7], ["2026-10", 3, 3.2]]
    # A district the user does not answer for is not on offer.
    assert client.get(URL + "intake/", {**PERIOD, "district": qingpu.pk}).status_code == 400
    client.force_login(qingpu_triage_user)
    intake = {t.key: t for t in client.get(URL + "intake/", PERIOD).context["tables"]}["intake"]
    assert [r[1] for r in intake.rows] == [0, 0, 1]


def test_csv_neutralises_formulas():
    text = csv_text(["搜索词", "搜索"], [["=HYPERLINK(\"x\")", 3], ["+1", 1], ["营业执照", 2]])
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "3"] and rows[2] == ["'+1", "1"] and rows[3] == ["营业执照", "2"]


def test_search_words_in_xlsx_are_text_not_formulas(client, supervisor, db):
    from search.models import QueryLog

    QueryLog.objects.create(query="=cmd|' /c calc'!A0", result_count=0, zero_result=True)
    client.force_login(supervisor)
    response = client.get(URL + "search/", {"export": "zero_queries", "format": "xlsx"})
    cell = load_workbook(io.BytesIO(response.content)).active["A2"]
    # The kernel's rule for every export: formula-like text is kept as text, marked with '.
    assert cell.value == "'=cmd|' /c calc'!A0" and cell.data_type == "s"


def test_no_trends_for_a_library_reader(client, db):
    from django.contrib.auth.models import Group, User

    editor = User.objects.create_user("reader", password="x-pass-123")
    editor.groups.add(Group.objects.get(name="编辑"))  # the admin and the case library, but no cases
    client.force_login(editor)
    denied = client.get(URL + "intake/")  # the admin's way: back to the dashboard with a message
    assert denied.status_code == 302 and denied.url == "/admin/"
    assert client.get(URL + "monthly/").url == "/admin/"
