"""The dispatch summary (one DispatchTrendFact per dispatch) gives the department table a
direct count of the dispatches gives, on the fixed cases and again after dispatches change
through the services (a return, a reassignment, and a closing that withdraws in bulk)."""

import datetime
from collections import Counter

from django.utils import timezone

from cases.models import Case, Dispatch, DispatchTrendFact, MissingMaterial
from cases.selectors import responsible_cases_for
from cases.services import case_close, dispatch_reassign, dispatch_return, material_receive
from cases.trends import facts
from cases.trends.selectors import TrendFilter, department_only, own_department_id, resolution_tables

KEYS = ("n", "replied", "on_time", "returned", "overdue", "escalated")


def direct_rows(user, f: TrendFilter, today: datetime.date) -> dict:
    """(department, role) -> [dispatches, replied, on-time %, returned, overdue open, escalated],
    counted dispatch by dispatch from the dispatch rows themselves (no summary, no SQL grouping)."""
    counts: dict[tuple, Counter] = {}
    roles = dict(Dispatch.Role.choices)
    for case in responsible_cases_for(user):
        if not f.date_from <= timezone.localtime(case.created_at).date() <= f.date_to:
            continue
        if f.channel and case.channel != f.channel:
            continue
        for d in case.dispatches.select_related("department"):
            if department_only(user) and d.department_id != own_department_id(user):
                continue
            c = counts.setdefault((d.department.name, str(roles[d.role])), Counter())
            c["n"] += 1
            c["replied"] += d.replied_at is not None
            c["on_time"] += d.replied_at is not None and timezone.localtime(d.replied_at).date() <= d.deadline
            c["returned"] += d.status == Dispatch.Status.RETURNED
            c["overdue"] += d.status == Dispatch.Status.PENDING and d.deadline < today
            c["escalated"] += case.escalated
    return {
        key: [c["n"], c["replied"], round(100 * c["on_time"] / c["replied"], 1) if c["replied"] else None,
              c["returned"], c["overdue"], c["escalated"]]
        for key, c in counts.items()
    }


def summary_rows(user, f: TrendFilter) -> dict:
    table = {t.key: t for t in resolution_tables(user, f)}["departments"]
    return {(r[0], r[1]): r[2:] for r in table.rows}


def assert_summary_matches_direct(*users, channel=""):
    today = timezone.localdate()
    f = TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=today, channel=channel)
    for user in users:
        assert summary_rows(user, f) == direct_rows(user, f, today), user.username


def test_department_table_equals_a_direct_count_before_and_after_dispatch_changes(
    triage_user, dept_user, supervisor, fixed_cases, housing_dept
):
    assert DispatchTrendFact.objects.count() == Dispatch.objects.count() == 3
    # A district, one department, the whole city (no join to the cases), and a narrowing filter.
    assert_summary_matches_direct(triage_user, dept_user, supervisor)
    assert_summary_matches_direct(triage_user, supervisor, channel=Case.Channel.COUNTER)
    assert summary_rows(dept_user, TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=timezone.localdate())) \
        == {("虹口区市场监督管理局", "主办"): [1, 0, None, 0, 1, 1]}

    d = fixed_cases["D"]
    lead = d.dispatches.get(role=Dispatch.Role.LEAD)
    dispatch_return(dispatch=lead, author=dept_user, reason="不属于本部门职责")
    assert_summary_matches_direct(triage_user)
    new = dispatch_reassign(dispatch=Dispatch.objects.get(pk=lead.pk), author=triage_user, department=housing_dept)
    assert_summary_matches_direct(triage_user)
    rows = summary_rows(triage_user, TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=timezone.localdate()))
    assert rows[("虹口区房管局", "主办")] == [1, 0, None, 0, 1, 1]  # pending, due 16 October: overdue

    # Closing withdraws the pending dispatch in one bulk update (no save, no signal).
    material_receive(material=d.materials.get(status=MissingMaterial.Status.OUTSTANDING), author=triage_user)
    case_close(case=Case.objects.get(pk=d.pk), author=triage_user, outcome=Case.Outcome.DONE,
               resolution_summary="已协调办理")
    assert Dispatch.objects.get(pk=new.pk).status == Dispatch.Status.WITHDRAWN
    assert_summary_matches_direct(triage_user, dept_user, supervisor)
    rows = summary_rows(triage_user, TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=timezone.localdate()))
    assert rows[("虹口区房管局", "主办")] == [1, 0, None, 0, 0, 1]  # withdrawn: no longer overdue


def test_a_later_registration_day_moves_the_dispatches_with_their_case(triage_user, supervisor, fixed_cases):
    a = fixed_cases["A"]
    Case.objects.filter(pk=a.pk).update(created_at=a.created_at - datetime.timedelta(days=60))  # 1 August
    facts.refresh_ids([a.pk])
    assert DispatchTrendFact.objects.get(case_id=a.pk).created_day == datetime.date(2026, 8, 1)
    assert_summary_matches_direct(triage_user, supervisor)


def test_rebuild_gives_the_dispatch_rows_the_saves_kept(triage_user, dept_user, fixed_cases):
    lead = fixed_cases["D"].dispatches.get(role=Dispatch.Role.LEAD)
    dispatch_return(dispatch=lead, author=dept_user, reason="不属于本部门职责")
    kept = list(DispatchTrendFact.objects.order_by("pk").values())
    facts.rebuild()
    assert list(DispatchTrendFact.objects.order_by("pk").values()) == kept
    assert DispatchTrendFact.objects.get(pk=lead.pk).returned
