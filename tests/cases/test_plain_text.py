"""Text is stored as typed and escaped only where it is shown: public form → status page, case page, exports."""

import csv
import importlib
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from cases import services
from cases.models import Case, Dispatch, TimelineEntry
from tests.helpers import login, shown_version

from .test_public import lookup, report_data

# What people type: markup characters, quotes, full-width letters, digits and space, a script.
MATTER = "A&B公司 面积<50㎡ 写着\"不符合\"、'另议' ＡＢＣ　全角１２３ <script>alert(1)</script> R&amp;D"
NAME = "O'Brien & 钱\"某\""
ENTERPRISE = "R&D <研发> 有限公司"
MESSAGE = "请到 R&D 部门（3<4 楼）领取\"告知书\"，'周五'前 <b>带原件</b>"


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reported(client, hongkou):
    response = client.post(
        reverse("cases_public:report"),
        report_data(hongkou, matter=MATTER, reporter_name=NAME, reporter_type="enterprise",
                    enterprise_name=ENTERPRISE, reporter_phone="13800002468"),
    )
    assert response.status_code == 302, response.content.decode()
    return Case.objects.get()


def test_public_report_is_stored_exactly_as_typed(reported):
    assert reported.matter == MATTER
    assert reported.reporter_name == NAME
    assert reported.enterprise_name == ENTERPRISE


def test_case_page_shows_typed_text_as_text(client, reported, triage_user):
    client.force_login(triage_user)
    html = client.get(reverse("cases:inspect", args=[reported.pk])).content.decode()
    assert escape(MATTER) in html  # shown once escaped: the reader sees exactly what was typed
    assert "A&amp;amp;B" not in html and "&amp;lt;50" not in html  # never escaped twice
    assert "<script>alert(1)</script>" not in html  # a typed script is text, never markup


def test_message_reaches_the_status_page_as_typed(client, reported, triage_user):
    staff = login(triage_user)
    response = staff.post(reverse("cases:inspect", args=[reported.pk]),
                          {**shown_version(reported), "action": "message", "message-text": MESSAGE})
    assert response.status_code in (200, 302)
    entry = reported.timeline.get(kind=TimelineEntry.Kind.MESSAGE_TO_REPORTER)
    assert entry.text == MESSAGE

    html = lookup(client, reported, "2468").content.decode()
    assert escape(MESSAGE) in html
    assert "<b>带原件</b>" not in html and "&amp;amp;" not in html


def test_exports_carry_the_typed_text(client, reported, triage_user):
    client.force_login(triage_user)
    url = reverse("cases:index")
    body = b"".join(client.post(url + "?export=csv", {"reason": "核对台账", "confirm": "on"}).streaming_content)
    header, row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[:2]
    cells = dict(zip(header, row))
    assert cells["反映事项"] == MATTER
    assert cells["企业名称"] == ENTERPRISE

    body = b"".join(client.post(url + "?export=xlsx", {"reason": "核对台账", "confirm": "on"}).streaming_content)
    sheet = load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]]))
    assert values["反映事项"] == MATTER
    assert values["企业名称"] == ENTERPRISE


def test_formula_is_kept_as_typed(client, hongkou):
    formula = '=HYPERLINK("http://example.invalid","点我")'
    response = client.post(reverse("cases_public:report"),
                           report_data(hongkou, reporter_name=formula, matter="前租户未注销 " + formula))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter_name == formula and case.matter.endswith(formula)


@pytest.mark.parametrize("field, limit", [("matter", "2000"), ("reporter_name", "50"), ("counter_failure_reason", "1000")])
def test_ten_thousand_characters_get_a_chinese_message(client, hongkou, field, limit):
    response = client.post(reverse("cases_public:report"), report_data(hongkou, **{field: "办" * 10_000}))
    assert response.status_code == 400
    html = response.content.decode()
    assert limit in html and "10000" in html and "最多可填" in html  # the length message in plain words
    assert Case.objects.count() == 0


def test_control_characters_are_dropped_not_refused(client, hongkou):
    response = client.post(reverse("cases_public:report"),
                           report_data(hongkou, matter="窗口\x00说\x1b[31m不符合\u202e标准\r\n第二行"))
    assert response.status_code == 302
    assert Case.objects.get().matter == "窗口说[31m不符合标准\n第二行"


def test_staff_forms_keep_typed_text(client, case, triage_user, market_dept):
    client.force_login(triage_user)
    client.post(reverse("cases:inspect", args=[case.pk]),
                {**shown_version(case), "action": "note", "note-text": "<script>alert(1)</script>请核实 A&B"})
    assert case.timeline.get(kind="internal_note").text == "<script>alert(1)</script>请核实 A&B"
    html = client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;请核实 A&amp;B" in html


def test_migration_restores_escaped_rows(dispatched_case, triage_user):
    """Rows stored escaped by the old cleaning read as typed again; rows typed as-is are untouched."""
    migration = importlib.import_module("cases.migrations.0015_unescape_stored_text")
    escaped = "A&amp;B公司 面积&lt;50 &quot;引号&quot; &#x27;单&#39; &amp;lt; &copy;"
    typed = "R&D 部门 3<4 &amp; 这是原样输入"  # a bare "&" and "<": stored as typed, left alone
    case = dispatched_case
    Case.objects.filter(pk=case.pk).update(matter=escaped, resolution_summary=typed, reporter_name="O&#x27;Brien")
    lead = case.dispatches.get(role=Dispatch.Role.LEAD)
    Dispatch.objects.filter(pk=lead.pk).update(task="联系 &lt;前租户&gt;")
    entry = services.case_add_note(case=case, author=triage_user, text="核实 A&amp;B")

    historical = MigrationLoader(connection).project_state(("cases", "0015_unescape_stored_text")).apps
    migration.forwards(historical, None)
    case.refresh_from_db()
    assert case.matter == "A&B公司 面积<50 \"引号\" '单' &lt; &copy;"
    assert case.resolution_summary == typed
    assert case.reporter_name == "O'Brien"
    assert Dispatch.objects.get(pk=lead.pk).task == "联系 <前租户>"
    assert TimelineEntry.objects.get(pk=entry.pk).text == "核实 A&B"

    # A second run changes nothing that the first one repaired.
    before = Case.objects.values_list("matter", "resolution_summary", "reporter_name").get(pk=case.pk)
    assert sum(migration.repair(historical.get_model("cases", m), f) for m, f in migration.FREE_TEXT.items()) == 0
    assert Case.objects.values_list("matter", "resolution_summary", "reporter_name").get(pk=case.pk) == before
