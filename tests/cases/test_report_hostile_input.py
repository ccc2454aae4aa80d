"""A citizen's online report typed to break things: markup, full-width forms, a spreadsheet formula
and 10,000 characters. It is refused with a Chinese message or kept exactly as typed, shown as text
on the staff pages and exported as text for triage, never as markup or a live formula."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Case

from .test_public import report_data

pytestmark = pytest.mark.django_db

NAME = '=HYPERLINK("http://example.invalid","点我")'
MATTER = "营业执照 & <b>加粗</b> \"引号\" '单引号' ＜script＞ ＡＢＣ１２３ ＝1+1 ＠SUM(A1)"


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def _report(district, **overrides) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.40")
    client.response = client.post(reverse("cases_public:report"), report_data(district, **overrides))
    return client


def test_ten_thousand_characters_are_refused_in_chinese_and_nothing_is_saved(hongkou):
    response = _report(hongkou, matter="办" * 10_000).response
    assert response.status_code == 400
    html = response.content.decode()
    assert "最多可填 2000 个字，您填了 10000 个字" in html and "变量" not in html
    assert Case.objects.count() == 0


def test_hostile_report_is_kept_as_typed_and_shown_as_text(hongkou, triage_user):
    assert _report(hongkou, reporter_name=NAME, matter=MATTER, counter_failure_reason="=1+2").response.status_code == 302
    case = Case.objects.get()
    assert case.reporter_name == NAME and case.matter == MATTER
    staff = Client()
    staff.force_login(triage_user)
    page = staff.get(reverse("cases:inspect", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<b>加粗</b>" not in html and "&lt;b&gt;加粗&lt;/b&gt;" in html


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_triage_export_of_a_hostile_report_holds_no_live_formula(hongkou, triage_user, fmt):
    _report(hongkou, reporter_name=NAME, matter=MATTER, counter_failure_reason="=1+2")
    staff = Client()
    staff.force_login(triage_user)
    body = _body(staff.post(reverse("cases:index") + f"?export={fmt}", {"reason": "报送本月台账", "confirm": "on"}))
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body)).active
        header = [c.value for c in sheet[1]]
        row = {h: c for h, c in zip(header, sheet[2])}
        assert all(c.data_type != "f" for c in sheet[2])
        values = {h: c.value for h, c in row.items()}
    else:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        values = dict(zip(rows[0], rows[1]))
    # XLSX: a text cell holding the name as typed, marked "text" (Excel's quote prefix) so that
    # editing it in Excel or WPS does not turn it into a live formula; CSV: a leading apostrophe.
    assert values["反映人"] == (NAME if fmt == "xlsx" else "'" + NAME)
    if fmt == "xlsx":
        assert row["反映人"].quotePrefix and not row["反映事项"].quotePrefix
    assert MATTER in values["反映事项"]
