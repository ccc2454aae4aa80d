"""A 个体工商户's name (credit code starting with 92) names the person behind it: roles without
personal-data rights read it masked wherever they meet it (case page, exports, 我的待办, the
case list's search); a company's (91…) name stays whole; roles with the rights see it on an
audited reveal, as they see the reporter's name."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from openpyxl import load_workbook

from cases import services
from cases.models import Case, StaffProfile, TimelineEntry
from kernel import personal_data

from .conftest import make_credit_code, register

SOLE_TRADER_CODE = make_credit_code("92310109MA1G5B3C6")
COMPANY_CODE = make_credit_code("91310109MA1G5B3C6")
SHOP = "张三丰生煎小吃店"  # named after its owner, the reporter
SHOP_MASKED = "张*******"
WRONG_SHOP = "张四海生煎小吃店"
COMPANY = "上海曲阳餐饮管理有限公司"


def _business_case(window_user, triage_user, hall, market_dept, *, name, code):
    case = register(window_user, hall, reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="张三丰",
                    enterprise_name=name, credit_code=code,
                    matter=f"{name}反映：前租户未注销，营业执照办不下来")
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage_user, lead_department=market_dept,
                           lead_task=f"联系{name}的经营者，核实前租户注销情况")
    case.refresh_from_db()
    return case


@pytest.fixture
def shop_case(window_user, triage_user, hall, market_dept):
    return _business_case(window_user, triage_user, hall, market_dept, name=SHOP, code=SOLE_TRADER_CODE)


@pytest.fixture
def company_case(window_user, triage_user, hall, market_dept):
    return _business_case(window_user, triage_user, hall, market_dept, name=COMPANY, code=COMPANY_CODE)


@pytest.fixture
def exporter(hongkou):
    """A role an administrator may set up: it exports the district's cases without personal-data rights."""
    user = User.objects.create_user("exporter", password="x-Pass-2026")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["cases", "wagtailadmin"],
        codename__in=["access_admin", "view_case", "view_district_cases", "export_cases"],
    ))
    StaffProfile.objects.create(user=user, district=hongkou)
    return user


def test_the_kernel_masks_a_sole_traders_name_and_keeps_a_companys():
    assert personal_data.mask_enterprise_name(SHOP, SOLE_TRADER_CODE) == SHOP_MASKED
    assert personal_data.mask_enterprise_name(SHOP, SOLE_TRADER_CODE.lower()) == SHOP_MASKED
    assert personal_data.mask_enterprise_name(COMPANY, COMPANY_CODE) == COMPANY
    assert personal_data.mask_enterprise_name(COMPANY, "") == COMPANY


def test_a_department_reads_a_sole_traders_name_masked_on_the_case_page(client, shop_case, dept_user):
    client.force_login(dept_user)
    html = client.get(reverse("cases:inspect", args=[shop_case.pk])).content.decode()
    assert f'data-testid="enterprise-name">{SHOP_MASKED}<' in html
    assert "【个体工商户名称】反映：前租户未注销" in html  # the matter and the dispatch task, de-identified
    assert SHOP not in html and "三丰" not in html and "生煎" not in html
    # Asking for the full data changes nothing for this role, and nothing is recorded.
    html = client.get(reverse("cases:inspect", args=[shop_case.pk]) + "?reveal=1").content.decode()
    assert SHOP not in html and SHOP_MASKED in html
    assert not shop_case.timeline.filter(kind=TimelineEntry.Kind.VIEW_PERSONAL_DATA).exists()


def test_a_department_reads_a_companys_name_whole(client, company_case, dept_user):
    client.force_login(dept_user)
    html = client.get(reverse("cases:inspect", args=[company_case.pk])).content.decode()
    assert f'data-testid="enterprise-name">{COMPANY}<' in html


def test_a_role_with_the_rights_sees_the_name_on_an_audited_reveal(client, shop_case, triage_user):
    client.force_login(triage_user)
    url = reverse("cases:inspect", args=[shop_case.pk])
    html = client.get(url).content.decode()
    assert f'data-testid="enterprise-name">{SHOP_MASKED}<' in html  # masked like the reporter's name
    assert f"{SHOP}反映" in html  # the matter: this role reads free text whole
    html = client.get(url + "?reveal=1").content.decode()
    assert f'data-testid="enterprise-name">{SHOP}<' in html and SOLE_TRADER_CODE in html
    assert shop_case.timeline.get(kind=TimelineEntry.Kind.VIEW_PERSONAL_DATA).author == triage_user


def test_my_dispatches_read_the_task_de_identified(client, shop_case, company_case, dept_user):
    client.force_login(dept_user)
    html = client.get(reverse("my_dispatches:index")).content.decode()
    assert "联系【个体工商户名称】的经营者" in html and SHOP not in html
    assert f"联系{COMPANY}的经营者" in html


def _search(client, query):
    return client.get(reverse("cases:index"), {"q": query}).content.decode()


def _found(client, query) -> set[str]:
    """The tracking numbers of the cases the case list shows for ``query``."""
    html = _search(client, query)
    return {number for number in Case.objects.values_list("tracking_number", flat=True) if number in html}


def test_searching_a_sole_traders_name_finds_nothing_for_a_department(client, shop_case, company_case, dept_user):
    client.force_login(dept_user)
    assert shop_case.tracking_number in _found(client, "前租户未注销")  # the case is on this role's list
    for guess in (SHOP, "三丰生煎", "生煎小吃"):
        assert shop_case.tracking_number not in _found(client, guess)
    # A company is found by its name, as today.
    assert company_case.tracking_number in _found(client, "曲阳餐饮")


def test_a_right_and_a_wrong_guess_of_the_masked_name_get_the_same_answer(client, shop_case, company_case,
                                                                         dept_user, triage_user):
    # Both guesses fit what the mask shows (张*******): only the hidden characters differ.
    guesses = [(SHOP, WRONG_SHOP), ("三丰生煎", "四海生煎"), ("张三丰", "张四海")]
    client.force_login(triage_user)
    for right, wrong in guesses:  # with the rights, the right guess finds the case and the wrong one not
        assert shop_case.tracking_number in _found(client, right)
        assert shop_case.tracking_number not in _found(client, wrong)
    client.force_login(dept_user)
    assert shop_case.tracking_number in _found(client, "营业执照办不下来")  # a search can reach the case
    for right, wrong in guesses:
        assert _found(client, right) == _found(client, wrong), right


def test_searching_a_sole_traders_name_finds_it_for_a_role_with_the_rights(client, shop_case, triage_user):
    client.force_login(triage_user)
    assert shop_case.tracking_number in _search(client, "三丰生煎")


def _export_rows(client):
    response = client.get(reverse("cases:index"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    return [dict(zip(rows[0], row)) for row in rows[1:]], body


def test_an_export_without_the_rights_masks_a_sole_traders_name(client, shop_case, company_case, exporter):
    client.force_login(exporter)
    rows, body = _export_rows(client)
    by_number = {row["受理编号"]: row for row in rows}
    assert by_number[shop_case.tracking_number]["企业名称"] == SHOP_MASKED
    assert by_number[company_case.tracking_number]["企业名称"] == COMPANY
    assert SHOP not in body and "三丰" not in body and SOLE_TRADER_CODE not in body
    # Searching the export by the name is no oracle either.
    response = client.get(reverse("cases:index"), {"export": "csv", "q": "三丰生煎"})
    assert shop_case.tracking_number not in b"".join(response.streaming_content).decode("utf-8-sig")


def test_an_xlsx_export_without_the_rights_masks_it_too(client, shop_case, exporter):
    client.force_login(exporter)
    response = client.get(reverse("cases:index"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = [[cell.value or "" for cell in row] for row in sheet.iter_rows()]
    assert [dict(zip(header, row))["企业名称"] for row in rows] == [SHOP_MASKED]
    assert not any(SHOP in str(value) or "三丰" in str(value) for row in rows for value in row)


def test_a_full_export_by_a_role_with_the_rights_keeps_the_name(client, shop_case, triage_user):
    client.force_login(triage_user)
    response = client.post(reverse("cases:index") + "?export=csv", {"reason": "报送本月台账", "confirm": "on"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert SHOP in body and SOLE_TRADER_CODE in body


def test_older_cases_de_identified_before_the_rule_are_not_found_by_the_name(client, shop_case, company_case,
                                                                           dept_user):
    # Rows filled by 0013 kept a 个体工商户's name in the de-identified matter the case list searches.
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    Case.objects.filter(pk=shop_case.pk).update(matter_deidentified=f"{SHOP}反映：前租户未注销，营业执照办不下来")
    client.force_login(dept_user)
    assert shop_case.tracking_number in _search(client, "三丰生煎")  # the oracle the migration closes

    name = "0021_sole_trader_matters_de_identified"
    migration = importlib.import_module(f"cases.migrations.{name}")
    migration.forwards(MigrationLoader(connection).project_state(("cases", name)).apps, None)
    assert shop_case.tracking_number not in _search(client, "三丰生煎")
    assert shop_case.tracking_number in _search(client, "前租户未注销")
    shop_case.refresh_from_db()
    assert shop_case.matter_deidentified == shop_case.deidentify_text(shop_case.matter)
    assert company_case.tracking_number in _search(client, "曲阳餐饮")  # a company's name stays searchable
