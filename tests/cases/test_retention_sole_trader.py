"""Erasure of a 个体工商户's name and credit code (a code starting with 92 is personal data);
a company's (91…) stays with the case."""

import pytest

from cases import services
from cases.models import Case, TimelineEntry
from kernel import personal_data

from .conftest import make_credit_code, register
from .test_retention import archived, everything_said_about

SOLE_TRADER_CODE = make_credit_code("92310109MA1G5B3C6")
COMPANY_CODE = make_credit_code("91310109MA1G5B3C6")
SHOP = "虹口区张某某小吃店"


def _archived_business(window_user, triage_user, hall, market_dept, *, code):
    case = archived(window_user, triage_user, hall, market_dept, reporter_type=Case.ReporterType.ENTERPRISE,
                    enterprise_name=SHOP, credit_code=code)
    services.case_add_note(case=case, author=triage_user, text=f"经营者：{SHOP}，信用代码 {code}")
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("code, sole", [(SOLE_TRADER_CODE, True), (COMPANY_CODE, False)])
def test_the_kernel_tells_a_sole_traders_code_from_a_companys(code, sole):
    assert personal_data.is_individual_business_credit_code(code) is sole


def test_erasure_clears_a_sole_traders_name_and_code_everywhere(window_user, triage_user, hall, market_dept):
    case = _archived_business(window_user, triage_user, hall, market_dept, code=SOLE_TRADER_CODE)
    assert case.credit_code == SOLE_TRADER_CODE and SHOP in everything_said_about(case)

    services.case_personal_data_erase(case=case, author=triage_user)

    case.refresh_from_db()
    assert case.credit_code == "" and case.enterprise_name == "（已删除）"
    said = everything_said_about(case) + case.enterprise_name + case.credit_code
    assert SHOP not in said and SOLE_TRADER_CODE not in said
    # The case's story stays readable, and the erasure says what went.
    assert "营业执照" in case.matter
    erasure = case.timeline.get(kind=TimelineEntry.Kind.ERASURE)
    assert erasure.author == triage_user
    assert "个体工商户的名称和统一社会信用代码已删除" in erasure.text


def test_erasure_keeps_a_companys_name_and_code(window_user, triage_user, hall, market_dept):
    case = _archived_business(window_user, triage_user, hall, market_dept, code=COMPANY_CODE)

    services.case_personal_data_erase(case=case, author=triage_user)

    case.refresh_from_db()
    assert case.reporter_name == "（已删除）" and case.personal_data_erased_at is not None
    assert case.credit_code == COMPANY_CODE and case.enterprise_name == SHOP
    erasure = case.timeline.get(kind=TimelineEntry.Kind.ERASURE)
    assert "个体工商户" not in erasure.text


SHOP_ON_ITS_OWN = "曲阳路生煎小吃店"  # no person's name in it: only its code says whose it is


@pytest.mark.parametrize("code, hidden", [(SOLE_TRADER_CODE, True), (COMPANY_CODE, False)])
def test_a_sole_traders_name_and_code_are_de_identified_long_before_erasure(window_user, hall, code, hidden):
    # The de-identified matter feeds the staff search, the case library and the draft of a
    # published article: a 个体工商户's name and code must not reach them (a company's may).
    case = register(window_user, hall, reporter_type=Case.ReporterType.ENTERPRISE, enterprise_name=SHOP_ON_ITS_OWN,
                    reporter_name="李某", credit_code=code,
                    matter=f"{SHOP_ON_ITS_OWN}（代码 {code}）反映：前租户未注销，营业执照办不下来")
    case.refresh_from_db()
    assert (SHOP_ON_ITS_OWN in case.matter_deidentified) is not hidden
    assert (code in case.matter_deidentified) is not hidden
    if hidden:
        assert "【个体工商户名称】" in case.matter_deidentified
    assert "营业执照办不下来" in case.matter_deidentified


def test_a_shop_named_after_its_owner_is_de_identified_as_the_shop(window_user, hall):
    # Reporter 张三丰, shop 张三丰小吃店: staff without personal-data rights read
    # "【个体工商户名称】", not "反映人小吃店" (which still says whose shop it is).
    code = make_credit_code("92310109MA1G5B3C6")
    case = register(window_user, hall, reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="张三丰",
                    enterprise_name="张三丰小吃店", credit_code=code,
                    matter="张三丰小吃店的经营者张三丰反映：前租户未注销，张三丰小吃店营业执照办不下来")
    case.refresh_from_db()
    assert case.matter_deidentified == (
        "【个体工商户名称】的经营者反映人反映：前租户未注销，【个体工商户名称】营业执照办不下来"
    )
    assert "小吃店" not in case.matter_deidentified and "张" not in case.matter_deidentified
