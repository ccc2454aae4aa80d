"""The recurring-classes report over database cases (一类事)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import services

from .conftest import register

CLASS_A = [
    "租下商场铺位开餐饮店，前租户一直没有注销企业，我们的食品经营许可办不下来。",
    "新租的店面原来的租户公司没注销，地址被占用，食品经营许可办不了。",
    "同一铺位的前租户未完成注销，新商户办不了证照，前租户也联系不上。",
]


@pytest.fixture
def recent_cases(window_user, hall, triage_user, market_dept, qingpu_triage_user, qingpu_hall, food_item):
    now = timezone.now()
    made = []
    for i, matter in enumerate(CLASS_A):
        case = register(window_user, hall, matter=matter, service_item=food_item,
                        created_at=now - datetime.timedelta(days=3 + 15 * i))
        services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(case=case, author=triage_user, lead_department=market_dept, lead_task="协调")
        made.append(case)
    register(window_user, hall, matter="小区车位太少，晚上回来没地方停车。")
    register(window_user, hall, matter="不到退休年龄想提前领取养老金。")
    # Outside the window, and in another district.
    register(window_user, hall, matter=CLASS_A[0], service_item=food_item, created_at=now - datetime.timedelta(days=90))
    register(qingpu_triage_user, qingpu_hall, matter=CLASS_A[1], service_item=food_item)
    return made


def test_district_triage_user_sees_the_class_with_its_trend_and_departments(recent_cases, triage_user):
    from cases.class_report import recurring_classes_for

    rows = recurring_classes_for(user=triage_user)
    assert len(rows) == 1
    row = rows[0]
    assert sorted(row.case_class.members) == sorted(c.pk for c in recent_cases)
    assert row.case_class.above_threshold
    assert (row.case_class.trend.last, row.case_class.trend.previous) == (2, 1)
    assert row.case_class.departments == [("虹口区市场监督管理局", 3)]
    assert row.case_class.districts[0][1] == 3
    assert sorted(row.tracking_numbers) == sorted(c.tracking_number for c in recent_cases)
    assert not row.covered


def test_other_district_user_does_not_see_it(recent_cases, qingpu_triage_user):
    from cases.class_report import recurring_classes_for

    assert recurring_classes_for(user=qingpu_triage_user) == []


def test_covering_article_is_listed(recent_cases, triage_user, food_item):
    from cases.class_report import recurring_classes_for
    from tests.search.experience_helpers import make_article, make_topic

    topic = make_topic("企业开办与注销", slug="kaiban-class")
    article = make_article(topic, "前租户未注销时如何办理食品经营许可")
    article.service_items.set([food_item])
    article.save_revision().publish()
    row = recurring_classes_for(user=triage_user)[0]
    assert [a.title for a in row.covering_articles] == ["前租户未注销时如何办理食品经营许可"]


def test_command_prints_the_classes(recent_cases):
    out = StringIO()
    call_command("case_classes", stdout=out)
    text = out.getvalue()
    assert "60 天内不少于 3 件；共 1 类" in text
    assert "★ 食品经营许可 · 历史遗留问题" in text
    assert "尚无指引（建议起草）" in text


def test_admin_view_renders_the_report_and_refuses_outsiders(recent_cases, triage_user, django_user_model):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from cases.class_report_views import ClassReportView

    request = RequestFactory().get("/admin/cases/classes/")
    request.user = triage_user
    response = ClassReportView.as_view()(request)
    html = response.render().content.decode()
    assert "一类事：反复出现的问题" in html
    assert "食品经营许可 · 历史遗留问题" in html and "达到阈值" in html and "尚无指引" in html
    assert recent_cases[0].tracking_number in html
    assert "13800001234" not in html  # reporters' phones never shown

    request.user = django_user_model.objects.create_user("outsider", password="pw-123456")
    with pytest.raises(PermissionDenied):
        ClassReportView.as_view()(request)
