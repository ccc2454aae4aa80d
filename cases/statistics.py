"""Work statistics of the 办不成事 window (工作统计): the figures a district reports upward.

Read-only aggregates over the cases a user answers for
(``selectors.responsible_cases_for``), registered in a date range: how many
came in and by which channel, how they were classified and why they were
blocked, how many were closed and how many on time, how satisfied reporters
were, how departments answered their dispatches, and whether "办成一件事"
turned into "办成一类事" (guides drafted from cases, cases resolved by a
guide, 类案 opened). Counts and labels only: nothing personal leaves here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from statistics import median

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import Case, CaseArticleLink, ClassCase, Dispatch, Rectification
from cases.selectors import responsible_cases_for
from knowledge.models import District

CLOSED = (Case.Status.CLOSED, Case.Status.ARCHIVED)
SATISFIED_MIN = Case.Rating.SATISFIED  # 满意 and 非常满意
DISSATISFIED_MAX = Case.Rating.DISSATISFIED  # 不满意 and 非常不满意
TOP_ITEMS = 10


@dataclass(frozen=True)
class Rate:
    """A share with its numerator and denominator, so a reader can check it."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.part / self.whole, 1) if self.whole else None

    def __str__(self) -> str:
        return "—" if self.percent is None else f"{self.percent}%"


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    closed: int = 0

    @property
    def closure(self) -> Rate:
        return Rate(self.closed, self.count)


@dataclass(frozen=True)
class DepartmentRow:
    department: str
    lead: int
    co: int
    replied: int
    replied_on_time: int
    returned: int
    overdue_open: int

    @property
    def on_time(self) -> Rate:
        return Rate(self.replied_on_time, self.replied)


@dataclass
class CaseStatistics:
    date_from: datetime.date
    date_to: datetime.date
    district: District | None
    total: int = 0
    closed: int = 0
    closed_with_deadline: int = 0
    closed_on_time: int = 0
    open_overdue: int = 0
    escalated: int = 0
    returns: int = 0
    days_to_close_mean: float | None = None
    days_to_close_median: float | None = None
    rated: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    rectifications: int = 0
    rectifications_verified: int = 0
    guides_drafted: int = 0
    guides_published: int = 0
    cases_resolved_by_guide: int = 0
    closed_with_guide: int = 0
    class_cases: int = 0
    by_month: list[Row] = field(default_factory=list)
    by_channel: list[Row] = field(default_factory=list)
    by_classification: list[Row] = field(default_factory=list)
    by_cause: list[Row] = field(default_factory=list)
    by_outcome: list[Row] = field(default_factory=list)
    by_district: list[Row] = field(default_factory=list)
    by_service_item: list[Row] = field(default_factory=list)
    by_department: list[DepartmentRow] = field(default_factory=list)

    @property
    def closure(self) -> Rate:
        return Rate(self.closed, self.total)

    @property
    def on_time(self) -> Rate:
        return Rate(self.closed_on_time, self.closed_with_deadline)

    @property
    def satisfaction(self) -> Rate:
        return Rate(self.satisfied, self.rated)

    @property
    def guide_conversion(self) -> Rate:
        """Closed cases that fed a guide or were solved by one: 一件事 → 一类事."""
        return Rate(self.closed_with_guide, self.closed)


def day_bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def _rows(qs: QuerySet[Case], field_name: str, labels: dict, *, limit: int | None = None) -> list[Row]:
    # Not yet classified, no cause, no item …: left out, not counted as a blank row.
    counted = qs.exclude(**{f"{field_name}__isnull": True}).exclude(**{field_name: ""})
    data = (
        counted.order_by()
        .values(field_name)
        .annotate(n=Count("pk"), c=Count("pk", filter=Q(status__in=CLOSED)))
        .order_by("-n", field_name)
    )
    rows = [Row(str(labels.get(r[field_name], r[field_name])), r["n"], r["c"]) for r in data]
    return rows[:limit] if limit else rows


def _local_date(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def case_statistics(
    *, user, date_from: datetime.date, date_to: datetime.date, district: District | None = None,
    today: datetime.date | None = None,
) -> CaseStatistics:
    """Figures for cases registered from ``date_from`` to ``date_to`` (inclusive) that ``user`` answers for."""
    today = today or timezone.localdate()
    start, end = day_bounds(date_from, date_to)
    cases = responsible_cases_for(user).filter(created_at__gte=start, created_at__lt=end)
    if district is not None:
        cases = cases.filter(district=district)
    stats = CaseStatistics(date_from=date_from, date_to=date_to, district=district)
    stats.total = cases.count()
    if not stats.total:
        return stats

    closed_rows = list(cases.filter(status__in=CLOSED).values_list("created_at", "closed_at", "deadline"))
    stats.closed = len(closed_rows)
    durations = []
    for created_at, closed_at, deadline in closed_rows:
        if closed_at is None:
            continue
        durations.append((closed_at - created_at).total_seconds() / 86400)
        if deadline is not None:
            stats.closed_with_deadline += 1
            stats.closed_on_time += _local_date(closed_at) <= deadline
    if durations:
        stats.days_to_close_mean = round(sum(durations) / len(durations), 1)
        stats.days_to_close_median = round(median(durations), 1)
    stats.open_overdue = cases.exclude(status__in=CLOSED).filter(deadline__lt=today).count()
    stats.escalated = cases.filter(escalated=True).count()
    stats.returns = cases.aggregate(n=Sum("return_count"))["n"] or 0

    ratings = cases.exclude(rating__isnull=True)
    stats.rated = ratings.count()
    stats.satisfied = ratings.filter(rating__gte=SATISFIED_MIN).count()
    stats.dissatisfied = ratings.filter(rating__lte=DISSATISFIED_MAX).count()
    rectifications = Rectification.objects.filter(case__in=cases)
    stats.rectifications = rectifications.count()
    stats.rectifications_verified = rectifications.filter(verified_at__isnull=False).count()

    links = CaseArticleLink.objects.filter(case__in=cases)
    drafted = links.filter(relation=CaseArticleLink.Relation.DRAFTED_FROM)
    stats.guides_drafted = drafted.values("page").distinct().count()
    stats.guides_published = drafted.filter(page__live=True).values("page").distinct().count()
    stats.cases_resolved_by_guide = (
        links.filter(relation=CaseArticleLink.Relation.RESOLVED_BY).values("case").distinct().count()
    )
    stats.closed_with_guide = (
        links.filter(
            relation__in=[CaseArticleLink.Relation.DRAFTED_FROM, CaseArticleLink.Relation.RESOLVED_BY],
            case__status__in=CLOSED,
        ).values("case").distinct().count()
    )
    stats.class_cases = ClassCase.objects.filter(cases__in=cases).distinct().count()

    stats.by_month = [
        Row(f"{r['month']:%Y-%m}", r["n"], r["c"])
        for r in cases.order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"), c=Count("pk", filter=Q(status__in=CLOSED)))
        .order_by("month")
    ]
    stats.by_channel = _rows(cases, "channel", dict(Case.Channel.choices))
    stats.by_classification = _rows(cases, "classification", dict(Case.Classification.choices))
    stats.by_cause = _rows(cases, "blocking_cause", dict(Case.BlockingCause.choices))
    stats.by_outcome = _rows(cases.filter(status__in=CLOSED), "outcome", dict(Case.Outcome.choices))
    stats.by_district = _rows(cases, "district__name", {})
    stats.by_service_item = _rows(cases, "service_item__name", {}, limit=TOP_ITEMS)
    stats.by_department = _department_rows(cases, today)
    return stats


def _department_rows(cases: QuerySet[Case], today: datetime.date) -> list[DepartmentRow]:
    """Each department's dispatches on these cases: answered, on time, returned, overdue."""
    rows: dict[str, dict] = {}
    # Tuples, not model instances: a city-wide year is tens of thousands of dispatches.
    dispatches = Dispatch.objects.filter(case__in=cases).values_list(
        "department__name", "role", "status", "deadline", "replied_at"
    )
    for department, role, status, deadline, replied_at in dispatches.order_by():
        row = rows.setdefault(
            department,
            {"lead": 0, "co": 0, "replied": 0, "replied_on_time": 0, "returned": 0, "overdue_open": 0},
        )
        row["lead" if role == Dispatch.Role.LEAD else "co"] += 1
        if replied_at is not None:
            row["replied"] += 1
            row["replied_on_time"] += _local_date(replied_at) <= deadline
        if status == Dispatch.Status.RETURNED:
            row["returned"] += 1
        if status == Dispatch.Status.PENDING and deadline < today:
            row["overdue_open"] += 1
    out = [DepartmentRow(department=name, **values) for name, values in rows.items()]
    out.sort(key=lambda r: (-(r.lead + r.co), r.department))
    return out
