import datetime

import pytest
from django.core.exceptions import ValidationError

from knowledge.models import Policy, PolicyTransitionGuidePage, SolutionArticlePage

pytestmark = pytest.mark.django_db

D = datetime.date


def test_policy_rejects_expiry_before_effective_date_with_chinese_message():
    policy = Policy(title="某办法", issuing_body="某局", effective_date=D(2023, 6, 1), expiry_date=D(2023, 1, 1))
    with pytest.raises(ValidationError) as exc:
        policy.full_clean()
    assert "失效日期不能早于施行日期" in str(exc.value)


def test_policy_cannot_supersede_itself():
    policy = Policy.objects.create(title="某办法", issuing_body="某局")
    policy.superseded_by = policy
    with pytest.raises(ValidationError) as exc:
        policy.full_clean()
    assert "不能替代自身" in str(exc.value)


def test_policy_in_force_window():
    policy = Policy(title="某办法", issuing_body="某局", effective_date=D(2023, 6, 1), expiry_date=D(2024, 6, 1))
    assert not policy.is_in_force_on(D(2023, 5, 31))
    assert policy.is_in_force_on(D(2023, 6, 1))
    assert not policy.is_in_force_on(D(2024, 6, 1))
    assert str(Policy(title="某办法", issuing_body="某局", document_number="沪府办〔2023〕12号")) == "某办法（沪府办〔2023〕12号）"


def test_article_review_due_must_not_precede_last_review():
    page = SolutionArticlePage(
        title="t", slug="t", summary="s", problem="p", last_reviewed=D(2024, 1, 2), review_due=D(2024, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        page.clean()
    assert "下次复核日期不能早于最近审核日期" in str(exc.value)


def test_article_overdue_flag():
    assert SolutionArticlePage(review_due=D(2000, 1, 1)).is_review_overdue
    assert not SolutionArticlePage(review_due=D(2999, 1, 1)).is_review_overdue
    assert not SolutionArticlePage(review_due=None).is_review_overdue


def test_guide_validation():
    old = Policy.objects.create(title="旧", issuing_body="某局")
    guide = PolicyTransitionGuidePage(
        title="g", slug="g", summary="s", effective_date=D(2023, 5, 1), transition_end=D(2023, 4, 1), old_policy=old
    )
    with pytest.raises(ValidationError) as exc:
        guide.clean()
    assert "过渡期截止日期不能早于新政策施行日期" in str(exc.value)
    guide.transition_end = None
    guide.new_policy = old
    with pytest.raises(ValidationError) as exc:
        guide.clean()
    assert "不能是同一文件" in str(exc.value)


def test_guide_rule_for_switches_on_the_effective_date():
    old = Policy(title="旧办法", issuing_body="某局")
    new = Policy(title="新办法", issuing_body="某局")
    guide = PolicyTransitionGuidePage(
        effective_date=D(2023, 5, 1), transition_end=D(2023, 6, 30), old_policy=old, new_policy=new
    )
    assert guide.rule_for(D(2023, 4, 30)) is old
    assert guide.rule_for(D(2023, 5, 1)) is new
    answer = guide.rule_answer(D(2023, 6, 30), today=D(2023, 6, 1))
    assert answer["is_new"] and answer["in_transition"]
    assert "目前仍在过渡期内（至 2023-06-30）" in answer["message"]
    # Asked years later, the same start date must not be told the arrangements still run.
    later = guide.rule_answer(D(2023, 6, 30), today=D(2026, 12, 1))
    assert later["in_transition"] and later["transition_over"]
    assert "过渡期已于 2023-06-30 结束" in later["message"] and "目前仍在" not in later["message"]
    assert not guide.rule_answer(D(2023, 7, 1))["in_transition"]
    assert "原政策" in guide.rule_answer(D(2023, 4, 30))["message"]


def test_demo_content_is_complete_and_idempotent(demo):
    articles = SolutionArticlePage.objects.live()
    guides = PolicyTransitionGuidePage.objects.live()
    assert articles.count() >= 8
    assert guides.count() >= 2
    assert Policy.objects.filter(status=Policy.Status.SUPERSEDED, superseded_by__isnull=False).exists()
    assert articles.filter(materials__can_supply_later=True).exists()
    # Every demo page was published through a revision.
    for page in list(articles) + list(guides):
        assert page.live_revision is not None
    before = (SolutionArticlePage.objects.count(), Policy.objects.count())
    demo.load()
    assert (SolutionArticlePage.objects.count(), Policy.objects.count()) == before


def test_demo_content_carries_no_personal_data(demo):
    import re

    for page in SolutionArticlePage.objects.all():
        # Block values only: a block's random UUID may hold a digit run that looks like a phone number.
        steps = str([block["value"] for block in page.steps.raw_data])
        text = " ".join([page.title, page.summary, page.problem, page.applies_to, steps])
        assert not re.search(r"1[3-9]\d{9}", text), page.title  # mobile numbers
        assert not re.search(r"\d{17}[\dXx]", text), page.title  # 18-digit IDs
