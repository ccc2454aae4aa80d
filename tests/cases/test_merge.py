"""并单 (issue 5): a duplicate is merged into the primary case, both timelines kept."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import selectors, services
from cases.models import Case, CaseMerge, TimelineEntry

from .conftest import register
from tests.helpers import login, shown_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(window_user, hall, case):
    dup = register(window_user, hall, matter="前租户没注销，新店营业执照办不了，上周已经来反映过。")
    services.case_add_note(case=dup, author=window_user, text="反映人称上周已来过。")
    return dup


def test_merge_keeps_both_timelines_and_closes_the_duplicate(case, duplicate, triage_user):
    before_dup = list(duplicate.timeline.values_list("pk", flat=True))
    before_primary = list(case.timeline.values_list("pk", flat=True))
    merge = services.case_merge(primary=case, duplicate=duplicate, author=triage_user, reason="同一反映人同一事项")
    assert merge.primary == case and merge.merged == duplicate
    duplicate.refresh_from_db()
    assert duplicate.status == Case.Status.CLOSED
    assert duplicate.outcome == Case.Outcome.REFERRED
    assert duplicate.referred_to == case.tracking_number
    # Nothing deleted: the old entries are still there, each case got a 并单 entry.
    assert set(before_dup) <= set(duplicate.timeline.values_list("pk", flat=True))
    assert set(before_primary) <= set(case.timeline.values_list("pk", flat=True))
    assert case.timeline.filter(kind=TimelineEntry.Kind.MERGE, text__contains=duplicate.tracking_number).exists()
    assert duplicate.timeline.filter(kind=TimelineEntry.Kind.MERGE, text__contains=case.tracking_number).exists()
    # The duplicate's reporter is told, without another reporter's data.
    told = [e.text for e in selectors.reporter_timeline(duplicate)]
    assert any("合并办理" in t for t in told)
    assert not any(case.reporter_phone in t for t in told)


def test_primary_case_page_shows_the_merged_timeline(case, duplicate, triage_user):
    services.case_merge(primary=case, duplicate=duplicate, author=triage_user, reason="同一事项")
    entries = selectors.case_full_timeline(case)
    texts = [e.text for e in entries]
    assert "反映人称上周已来过。" in texts
    html = login(triage_user).get(reverse("cases:inspect", args=[case.pk])).content.decode()
    assert duplicate.tracking_number in html
    assert "反映人称上周已来过。" in html


@pytest.mark.parametrize("problem", ["self", "twice", "closed", "no_reason"])
def test_bad_merges_are_refused_with_a_message(problem, case, duplicate, triage_user, window_user, hall):
    kwargs = dict(primary=case, duplicate=duplicate, author=triage_user, reason="同一事项")
    expected = {
        "self": "不能把案件并入它自己",
        "twice": "已并入其他案件",
        "closed": "已办结",
        "no_reason": "并单必须写明理由",
    }[problem]
    if problem == "self":
        kwargs["duplicate"] = case
    elif problem == "twice":
        third = register(window_user, hall, reporter_phone="13900007777")
        services.case_merge(primary=third, duplicate=duplicate, author=triage_user, reason="同一事项")
    elif problem == "closed":
        services.case_triage(case=duplicate, author=triage_user, classification="out_of_scope", blocking_cause="other",
                             referred_to="街道", referral_reason="非政务服务")
        services.case_close(case=duplicate, author=triage_user, outcome="referred", resolution_summary="已转街道")
    else:
        kwargs["reason"] = "  "
    merges_before = CaseMerge.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.case_merge(**kwargs)
    assert expected in " ".join(exc.value.messages)
    assert CaseMerge.objects.count() == merges_before


def test_merge_from_the_case_page(case, duplicate, triage_user):
    client = login(triage_user)
    url = reverse("cases:inspect", args=[case.pk])
    response = client.post(url, {**shown_version(case), "action": "merge", "merge-duplicate": duplicate.pk, "merge-reason": "同一反映人"})
    assert response.status_code == 302
    assert CaseMerge.objects.get().merged == duplicate


def test_window_staff_cannot_merge(case, duplicate, window_user):
    response = login(window_user).post(
        reverse("cases:inspect", args=[case.pk]),
        {**shown_version(case), "action": "merge", "merge-duplicate": duplicate.pk, "merge-reason": "同一反映人"},
    )
    assert response.status_code == 403
    assert not CaseMerge.objects.exists()
