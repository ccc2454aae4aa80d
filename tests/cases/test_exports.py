"""Case exports: formulas typed into a case stay text, CSV readable in Excel, full data asked for twice."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import TimelineEntry

from .conftest import register

HOSTILE = {
    "reporter_name": '=HYPERLINK("http://example.invalid","点我")',
    "enterprise_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "matter": "-2+3 前租户未注销，＝1+1 全角公式",
}


@pytest.fixture
def hostile_case(window_user, hall):
    return register(window_user, hall, reporter_type="enterprise", credit_code="", **HOSTILE)


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def _confirmed_export(client, fmt, reason="报送本月台账"):
    url = reverse("cases:index") + f"?export={fmt}"
    return client.post(url, {"reason": reason, "confirm": "on"})


def test_csv_starts_with_bom_and_neutralises_formulas(client, hostile_case, triage_user):
    client.force_login(triage_user)
    body = _body(_confirmed_export(client, "csv"))
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    cell = dict(zip(header, row))
    assert cell["反映人"] == "'" + HOSTILE["reporter_name"]
    assert cell["企业名称"] == "'" + HOSTILE["enterprise_name"]
    assert cell["反映事项"] == "'" + HOSTILE["matter"]
    assert cell["受理编号"] == hostile_case.tracking_number  # ordinary text untouched
    for value in row:
        assert not value or value[0] not in "=+-@\t\r"


def test_xlsx_keeps_formulas_as_text(client, hostile_case, triage_user):
    client.force_login(triage_user)
    sheet = load_workbook(io.BytesIO(_body(_confirmed_export(client, "xlsx")))).active
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"


def test_full_data_export_asks_for_a_reason_and_records_it(client, hostile_case, triage_user):
    client.force_login(triage_user)
    url = reverse("cases:index") + "?export=csv"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and not page.streaming
    assert "即将导出 1 件案件" in html and "导出事由" in html and "确认导出" in html
    assert not hostile_case.timeline.filter(kind=TimelineEntry.Kind.VIEW_PERSONAL_DATA).exists()

    # No reason, or no tick: asked again, nothing exported, nothing recorded.
    for data in ({"reason": "", "confirm": "on"}, {"reason": "报送本月台账"}, {"reason": "看看", "confirm": "on"}):
        refused = client.post(url, data)
        assert refused.status_code == 400 and not refused.streaming
    assert "请写明导出事由" in refused.content.decode()
    assert not hostile_case.timeline.filter(kind=TimelineEntry.Kind.VIEW_PERSONAL_DATA).exists()

    reason = '核对 & <台账> "第3期" 的\'数据\''
    response = client.post(url, {"reason": reason, "confirm": "on"})
    assert response.status_code == 200 and response.streaming
    entry = hostile_case.timeline.get(kind=TimelineEntry.Kind.VIEW_PERSONAL_DATA)
    assert entry.author == triage_user and reason in entry.text


def test_masked_export_needs_no_confirmation(client, hostile_case):
    from django.contrib.auth.models import Permission, User

    auditor = User.objects.create_user("auditor", password="x")
    auditor.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_case", "view_all_cases", "export_cases"], content_type__app_label="cases"))
    auditor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(auditor)
    response = client.get(reverse("cases:index") + "?export=csv")
    assert response.status_code == 200 and response.streaming  # straight to the (masked) file
    assert _body(response).startswith(b"\xef\xbb\xbf")


def test_statistics_xlsx_keeps_typed_names_as_text(client, triage_user, hall, window_user):
    from knowledge.models import ServiceItem

    item = ServiceItem.objects.create(name="=HYPERLINK(\"http://example.invalid\")")
    register(window_user, hall, service_item=item)
    client.force_login(triage_user)
    response = client.get(reverse("case_statistics"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


def test_exports_are_offered_in_the_case_list_header_to_roles_that_may_export(client, triage_user, window_user):
    """Not only inside the header's "⋯" menu (issue 15, item 4); never to a role without the right."""
    import re

    client.force_login(triage_user)
    html = client.get(reverse("cases:index")).content.decode()
    header_buttons = re.findall(r'<a[^>]*class="[^"]*case-export-button[^"]*"[^>]*>.*?</a>', html, re.S)
    assert len(header_buttons) == 2
    assert any("export=xlsx" in b and "导出 XLSX" in b for b in header_buttons)
    assert any("export=csv" in b and "导出 CSV" in b for b in header_buttons)
    client.force_login(window_user)
    html = client.get(reverse("cases:index")).content.decode()
    assert "case-export-button" not in html and "export=xlsx" not in html
