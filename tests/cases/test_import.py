"""Historical ledger import: mapping, dry-run preview, row errors, all-or-nothing."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cases.ledger_import import TARGETS
from cases.models import Case

HEADER = ["序号", "反映日期", "反映人", "联系电话", "反映事项", "所属区", "处理结果"]
GOOD = [
    ["1", "2025-03-01", "周某某", "13800003001", "演出许可每次都要线下递交上百页材料", "虹口区", "已推出全程网办，办成"],
    ["2", "2025/03/05", "吴某某", "021-52561234", "企业注销找不到股东", "虹口", ""],
]


def csv_bytes(rows):
    out = io.StringIO()
    import csv

    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def mapping(**overrides):
    data = {f"col_{name}": header for name, (_l, header, _r) in TARGETS.items()}
    data["col_reporter_id_number"] = ""
    data["col_credit_code"] = ""
    data["col_enterprise_name"] = ""
    data.update(overrides)
    return data


def post(client, content, name, **extra):
    data = {"file": SimpleUploadedFile(name, content), "default_district": "", **mapping(), **extra}
    return client.post(reverse("cases:import"), data)


def test_dry_run_imports_nothing(client, triage_user):
    client.force_login(triage_user)
    response = post(client, csv_bytes(GOOD), "ledger.csv")
    assert response.status_code == 200
    assert "全部行校验通过" in response.content.decode()
    assert Case.objects.count() == 0


def test_confirmed_xlsx_import(client, triage_user):
    client.force_login(triage_user)
    response = post(client, xlsx_bytes(GOOD), "ledger.xlsx", confirm="on")
    assert response.status_code == 302
    cases = {c.reporter_name: c for c in Case.objects.all()}
    assert set(cases) == {"周某某", "吴某某"}
    assert cases["周某某"].status == "closed" and cases["周某某"].outcome == "done"
    assert cases["吴某某"].status == "registered" and cases["吴某某"].district.name == "虹口区"
    assert cases["周某某"].created_at.date().isoformat() == "2025-03-01"


def test_any_invalid_row_imports_nothing(client, triage_user):
    client.force_login(triage_user)
    rows = GOOD + [
        ["3", "去年", "郑某某", "12", "", "火星区", ""],
    ]
    response = post(client, csv_bytes(rows), "ledger.csv", confirm="on")
    html = response.content.decode()
    assert response.status_code == 400
    assert "反映日期“去年”无法识别" in html
    assert "联系电话格式不正确" in html
    assert "反映事项不能为空" in html
    assert "所属区“火星区”不存在" in html
    assert "修正前不会导入任何数据" in html
    assert Case.objects.count() == 0


def test_rows_for_another_district_are_refused(client, triage_user):
    # A 虹口 coordinator importing 普陀 rows would never see those cases again.
    client.force_login(triage_user)
    rows = GOOD + [["3", "2025-03-09", "郑某某", "13800003009", "社保转移卡住", "普陀区", ""]]
    response = post(client, csv_bytes(rows), "ledger.csv", confirm="on")
    assert response.status_code == 400
    assert "所属区“普陀区”不在您负责的范围内" in response.content.decode()
    assert Case.objects.count() == 0


def test_mapping_to_missing_column(client, triage_user):
    client.force_login(triage_user)
    response = client.post(reverse("cases:import"), {
        "file": SimpleUploadedFile("ledger.csv", csv_bytes(GOOD)), **mapping(col_matter="问题描述")})
    assert response.status_code == 400
    assert "文件中找不到这些列：问题描述" in response.content.decode()
    assert Case.objects.count() == 0


def test_custom_column_mapping(client, triage_user):
    client.force_login(triage_user)
    header = ["编号", "日期", "姓名", "电话", "诉求内容", "区"]
    out = io.StringIO()
    import csv

    csv.writer(out).writerows([header, ["1", "2025-04-01", "冯某某", "13800003003", "居住证积分办理卡住", "虹口区"]])
    response = client.post(reverse("cases:import"), {
        "file": SimpleUploadedFile("l.csv", out.getvalue().encode()), "confirm": "on",
        **mapping(col_reported_on="日期", col_reporter_name="姓名", col_reporter_phone="电话",
                  col_matter="诉求内容", col_district="区", col_result="")})
    assert response.status_code == 302
    assert Case.objects.get().matter == "居住证积分办理卡住"


def test_bad_file_type(client, triage_user):
    client.force_login(triage_user)
    response = post(client, b"hello", "ledger.txt")
    assert response.status_code == 400 and "只支持 CSV 或 XLSX 文件" in response.content.decode()


def test_import_forbidden_for_window(client, window_user):
    client.force_login(window_user)
    response = post(client, csv_bytes(GOOD), "ledger.csv", confirm="on")
    assert response.status_code in (302, 403)
    assert Case.objects.count() == 0


def test_preview_then_confirm_without_reupload(client, triage_user):
    client.force_login(triage_user)
    preview = post(client, csv_bytes(GOOD), "ledger.csv")
    token = preview.context["upload_token"]
    assert Case.objects.count() == 0
    response = client.post(reverse("cases:import"), {"upload_token": token, "confirm": "on", **mapping()})
    assert response.status_code == 302
    assert Case.objects.count() == 2
    # The stored upload is used once: a replay imports nothing more.
    replay = client.post(reverse("cases:import"), {"upload_token": token, "confirm": "on", **mapping()})
    assert replay.status_code == 400
    assert Case.objects.count() == 2


def test_an_import_puts_its_closed_cases_in_the_case_library_index(client, triage_user, django_capture_on_commit_callbacks):
    from search.engines import get_engine
    from search.engines.base import SearchQuery

    client.force_login(triage_user)
    rows = GOOD + [["3", "2025-03-09", "郑某某", "13800003003", "演出许可线下递交材料太多，电话13800003003", "虹口区", "已办成"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, csv_bytes(rows), "ledger.csv", confirm="on").status_code == 302
    hits = get_engine().search(SearchQuery(q="演出许可", include_staff=True, types=["case"])).hits
    closed = Case.objects.filter(status="closed").order_by("pk")
    assert sorted(h.doc_id for h in hits) == [c.pk for c in closed] and len(hits) == 2  # the open one is not
    assert not get_engine().search(SearchQuery(q="13800003003", include_staff=True)).hits  # de-identified
