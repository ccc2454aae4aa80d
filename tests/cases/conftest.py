"""Fixtures for the case desk: one district, halls, departments and a user per role."""

import datetime

import pytest
from django.contrib.auth.models import Group, User

from cases import services
from cases.models import Case, ServiceHall, StaffProfile
from kernel import personal_data
from knowledge.models import Department, District, ServiceItem
from search.engines import get_engine, reset_engines

PASSWORD = "test-pass-123"


def make_resident_id(body17: str = "31010919900307123") -> str:
    return body17 + personal_data.resident_id_check_char(body17)


def make_credit_code(body17: str = "91310109MA1G5B3C6") -> str:
    return body17 + personal_data.credit_code_check_char(body17)


@pytest.fixture
def hongkou(db):
    return District.objects.get(code="hongkou")


@pytest.fixture
def qingpu(db):
    return District.objects.get(code="qingpu")


@pytest.fixture
def hall(hongkou):
    return ServiceHall.objects.create(name="虹口区政务服务中心", district=hongkou)


@pytest.fixture
def other_hall(hongkou):
    return ServiceHall.objects.create(name="曲阳路街道社区事务受理服务中心", district=hongkou)


@pytest.fixture
def qingpu_hall(qingpu):
    return ServiceHall.objects.create(name="青浦区行政服务中心", district=qingpu)


@pytest.fixture
def market_dept(hongkou):
    return Department.objects.create(name="虹口区市场监督管理局", slug="hk-scjgj", district=hongkou)


@pytest.fixture
def tax_dept(hongkou):
    return Department.objects.create(name="虹口区税务局", slug="hk-sw", district=hongkou)


@pytest.fixture
def housing_dept(hongkou):
    return Department.objects.create(name="虹口区房管局", slug="hk-fgj", district=hongkou)


@pytest.fixture
def food_item(db):
    return ServiceItem.objects.create(name="食品经营许可")


def _user(username, group, **profile):
    user = User.objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.com")
    if group:
        user.groups.add(Group.objects.get(name=group))
    StaffProfile.objects.create(user=user, **profile)
    return user


@pytest.fixture
def window_user(hall):
    return _user("window", "窗口人员", hall=hall, district=hall.district)


@pytest.fixture
def other_window_user(other_hall):
    return _user("window2", "窗口人员", hall=other_hall, district=other_hall.district)


@pytest.fixture
def triage_user(hongkou):
    return _user("triage", "研判员", district=hongkou)


@pytest.fixture
def qingpu_triage_user(qingpu):
    return _user("triage_qp", "研判员", district=qingpu)


@pytest.fixture
def dept_user(market_dept):
    return _user("dept", "部门经办人", department=market_dept, district=market_dept.district)


@pytest.fixture
def tax_user(tax_dept):
    return _user("tax", "部门经办人", department=tax_dept, district=tax_dept.district)


@pytest.fixture
def housing_user(housing_dept):
    return _user("housing", "部门经办人", department=housing_dept, district=housing_dept.district)


@pytest.fixture
def supervisor(db):
    return _user("supervisor", "督办")


def register(author, hall, **overrides):
    data = dict(
        author=author,
        channel=Case.Channel.COUNTER,
        hall=hall,
        reporter_name="张某某",
        reporter_phone="13800001234",
        reporter_id_number=make_resident_id(),
        matter="前租户未完成企业注销，新商户无法办理营业执照",
    )
    data.update(overrides)
    return services.case_register(**data)


@pytest.fixture
def case(window_user, hall):
    return register(window_user, hall)


@pytest.fixture
def dispatched_case(case, triage_user, market_dept, tax_dept):
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(
        case=case, author=triage_user, lead_department=market_dept, lead_task="联系前租户完成简易注销",
        co_departments=[{"department": tax_dept, "task": "核对税务清税情况"}],
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def qingpu_case(qingpu_triage_user, qingpu_hall):
    return register(qingpu_triage_user, qingpu_hall, reporter_name="李某某", reporter_phone="13900005678",
                    matter="企业注销需通知失联股东，身份证为15位旧号码")


def future(days=10):
    return datetime.date.today() + datetime.timedelta(days=days)


@pytest.fixture
def engine(db, settings):
    """The embedded search engine, emptied: case-library and de-identification tests search it."""
    cfg = dict(settings.BANCHENG_SEARCH)
    cfg["ENGINE"] = "embedded"
    settings.BANCHENG_SEARCH = cfg
    reset_engines()
    engine = get_engine()
    engine.clear()
    yield engine
    reset_engines()
