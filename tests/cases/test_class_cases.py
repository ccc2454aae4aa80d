"""类案 (issue 5): a recurring class above the threshold is opened and tracked to closure."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ClassCase, TimelineEntry

from .conftest import register
from .test_class_report import CLASS_A
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def recurring(window_user, hall, triage_user, market_dept, food_item):
    now = timezone.now()
    made = []
    for i, matter in enumerate(CLASS_A):
        case = register(window_user, hall, matter=matter, service_item=food_item,
                        reporter_phone=f"1380000{i:04d}", created_at=now - datetime.timedelta(days=3 + 15 * i))
        services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(case=case, author=triage_user, lead_department=market_dept, lead_task="协调")
        made.append(case)
    register(window_user, hall, matter="小区车位太少，晚上回来没地方停车。")
    return made


def test_open_a_class_case_from_a_recurring_class(recurring, triage_user, market_dept):
    class_case = services.class_case_open(
        case_ids=[c.pk for c in recurring[:2]],  # any members of the class open the whole class
        owner_department=market_dept,
        required_outcome=ClassCase.RequiredOutcome.RONGQUE_LIST,
        author=triage_user,
    )
    assert class_case.status == ClassCase.Status.OPEN
    assert sorted(class_case.cases.values_list("pk", flat=True)) == sorted(c.pk for c in recurring)
    assert class_case.deadline > timezone.localdate()
    for case in recurring:
        assert case.timeline.filter(kind=TimelineEntry.Kind.CLASS_CASE, text__contains=class_case.title).exists()


def test_below_the_threshold_is_refused(recurring, triage_user, market_dept):
    with override_settings(BANCHENG_CLASS_THRESHOLD={"min_cases": 4, "days": 60}):
        with pytest.raises(ValidationError) as exc:
            services.class_case_open(case_ids=[recurring[0].pk], owner_department=market_dept,
                                     required_outcome="rule_change", author=triage_user)
    assert "没有构成达到阈值" in " ".join(exc.value.messages)
    assert not ClassCase.objects.exists()


def test_unrelated_cases_are_refused(recurring, triage_user, market_dept, window_user, hall):
    lone = register(window_user, hall, matter="不到退休年龄想提前领取养老金。", reporter_phone="13900001111")
    with pytest.raises(ValidationError):
        services.class_case_open(case_ids=[recurring[0].pk, lone.pk], owner_department=market_dept,
                                 required_outcome="rule_change", author=triage_user)
    assert not ClassCase.objects.exists()


def test_closing_requires_the_outcome(recurring, triage_user, market_dept):
    class_case = services.class_case_open(case_ids=[recurring[0].pk], owner_department=market_dept,
                                          required_outcome="new_article", author=triage_user)
    with pytest.raises(ValidationError) as exc:
        services.class_case_close(class_case=class_case, author=triage_user, outcome_summary="")
    assert "办结类案须写明办理成果" in " ".join(exc.value.messages)
    class_case.refresh_from_db()
    assert class_case.status == ClassCase.Status.OPEN
    services.class_case_close(class_case=class_case, author=triage_user,
                              outcome_summary="已发布《前租户未注销时如何办理食品经营许可》。")
    class_case.refresh_from_db()
    assert class_case.status == ClassCase.Status.CLOSED and class_case.closed_by == triage_user
    assert recurring[0].timeline.filter(text__contains="已办结").exists()


def test_report_opens_a_class_case_and_lists_it(recurring, triage_user, market_dept):
    client = login(triage_user)
    html = client.get(reverse("case_classes")).content.decode()
    assert "开为类案" in html
    response = client.post(
        reverse("case_classes"),
        {"case_ids": ",".join(str(c.pk) for c in recurring), "owner_department": market_dept.pk,
         "required_outcome": "guideline_fix", "title": "前租户未注销导致新商户办不了证"},
    )
    assert response.status_code == 302
    class_case = ClassCase.objects.get()
    assert class_case.title == "前租户未注销导致新商户办不了证"
    listing = client.get(reverse("class_cases:index")).content.decode()
    assert "前租户未注销导致新商户办不了证" in listing
    assert class_case.deadline.isoformat() in listing  # written as on the rest of the desk
    # Bad input (no department): a message, nothing saved.
    response = client.post(reverse("case_classes"), {"case_ids": str(recurring[0].pk), "required_outcome": "guideline_fix"})
    assert response.status_code == 400
    assert ClassCase.objects.count() == 1


def test_window_staff_cannot_open_class_cases(recurring, window_user, market_dept):
    response = login(window_user).post(
        reverse("case_classes"),
        {"case_ids": str(recurring[0].pk), "owner_department": market_dept.pk, "required_outcome": "rule_change"},
    )
    assert response.status_code == 403
    assert not ClassCase.objects.exists()


def test_empty_class_case_list_points_to_the_class_report(triage_user):
    html = login(triage_user).get(reverse("class_cases:index")).content.decode()
    assert f'<a href="{reverse("case_classes")}">一类事</a>' in html
