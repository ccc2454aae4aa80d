"""The trend summary (one CaseTrendFact per case) gives the figures a direct count of the
cases gives, on the fixed cases and again after cases change state through the services."""

import datetime
from collections import Counter

from django.utils import timezone

from cases.models import Case, CaseTrendFact, MissingMaterial, WorkingDayOverride
from cases.selectors import responsible_cases_for
from cases.services import case_close, case_rate, case_reopen, material_receive
from cases.trends import facts
from cases.trends.selectors import TrendFilter, intake_tables, resolution_tables, satisfaction_tables

CLOSED = (Case.Status.CLOSED, Case.Status.ARCHIVED)


def month(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m}"


def direct_counts(user, today: datetime.date) -> dict[str, Counter]:
    """Per month, counted case by case from the case rows themselves (no summary, no SQL grouping)."""
    out = {k: Counter() for k in ("intake", "closed", "done", "rated", "late", "open_overdue", "escalated",
                                  "returns")}
    for case in responsible_cases_for(user):
        registered = month(case.created_at)
        out["intake"][registered] += 1
        out["escalated"][registered] += case.escalated
        out["returns"][registered] += case.return_count
        is_closed = case.status in CLOSED
        if is_closed and case.closed_at and case.deadline:
            out["late"][registered] += timezone.localtime(case.closed_at).date() > case.deadline
        if not is_closed and case.deadline:
            out["open_overdue"][registered] += case.deadline < today
        if is_closed and case.closed_at:
            closed = month(case.closed_at)
            out["closed"][closed] += 1
            out["done"][closed] += case.outcome == Case.Outcome.DONE
            out["rated"][closed] += case.rating is not None
    return out


def summary_counts(user, f: TrendFilter) -> dict[str, Counter]:
    def col(tables, key, heading):
        t = {t.key: t for t in tables}[key]
        i = [str(h) for h in t.headings].index(heading)
        return Counter({row[0]: row[i] for row in t.rows if row[i]})

    intake, resolution, satisfaction = (fn(user, f) for fn in (intake_tables, resolution_tables, satisfaction_tables))
    return {
        "intake": col(intake, "intake", "受理"),
        "closed": col(resolution, "outcome", "办结"),
        "done": col(resolution, "outcome", "办成"),
        "rated": col(satisfaction, "ratings", "已评价"),
        "late": col(resolution, "overdue", "超期办结"),
        "open_overdue": col(resolution, "overdue", "超期未办结"),
        "escalated": col(resolution, "overdue", "提级督办"),
        "returns": col(resolution, "overdue", "退单/改派次数"),
    }


def assert_summary_matches_direct(user):
    today = timezone.localdate()
    f = TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=today)
    direct = {k: Counter({m: n for m, n in v.items() if n}) for k, v in direct_counts(user, today).items()}
    assert summary_counts(user, f) == direct


def test_summary_figures_equal_a_direct_count_before_and_after_state_changes(triage_user, fixed_cases):
    assert CaseTrendFact.objects.count() == Case.objects.count()
    assert_summary_matches_direct(triage_user)

    # A is reopened (October loses a solved case), D gets its material and is closed today,
    # C is rated: each a service, each saving the case.
    a, c, d = (fixed_cases[k] for k in "ACD")
    case_reopen(case=a, author=triage_user, reason="回访发现未办成")
    material_receive(material=d.materials.get(status=MissingMaterial.Status.OUTSTANDING), author=triage_user)
    case_close(case=Case.objects.get(pk=d.pk), author=triage_user, outcome=Case.Outcome.PARTIAL,
               resolution_summary="已协调办理")
    case_rate(case=Case.objects.get(pk=c.pk), rating=1)
    assert_summary_matches_direct(triage_user)

    this_month = f"{timezone.localdate():%Y-%m}"
    counts = summary_counts(triage_user, TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=timezone.localdate()))
    assert counts["closed"]["2026-10"] == 2 and counts["closed"][this_month] == 1  # by hand: C and E; D
    assert counts["rated"]["2026-10"] == 2  # C (now rated) and E; A is no longer closed
    assert counts["open_overdue"]["2026-09"] == 1  # A, reopened, its deadline 16 October passed


def test_rebuild_gives_the_rows_the_saves_kept(triage_user, fixed_cases):
    case_reopen(case=fixed_cases["A"], author=triage_user, reason="回访发现未办成")
    kept = list(CaseTrendFact.objects.order_by("pk").values())
    assert facts.rebuild() == Case.objects.count()
    assert list(CaseTrendFact.objects.order_by("pk").values()) == kept
    assert CaseTrendFact.objects.get(pk=fixed_cases["A"].pk).closed_day is None


def test_a_holiday_entered_later_changes_the_working_days_of_cases_open_across_it(triage_user, fixed_cases):
    f = TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=datetime.date(2026, 10, 31))

    def october_p90():
        close_days = {t.key: t for t in resolution_tables(triage_user, f)}["close_days"]
        return close_days.rows[-1][3]

    assert october_p90() == 18.0  # E: 5 to 31 October
    override = WorkingDayOverride.objects.create(date=datetime.date(2026, 10, 14), is_working_day=False, note="测试")
    assert october_p90() == 17.0
    assert CaseTrendFact.objects.get(pk=fixed_cases["C"].pk).working_days == 1  # closed 13 October: untouched
    override.delete()
    assert october_p90() == 18.0
