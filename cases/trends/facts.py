"""The trend summary: one narrow ``CaseTrendFact`` per case, with its local days, and
one ``DispatchTrendFact`` per dispatch (the department table).

Kept exact by recomputing a case's or dispatch's whole row from its source (never by
adding and subtracting counts): on every save of a case or a dispatch (``connect``: the
services, the admin and the importer all save), for dispatches whose status a service
changes in bulk (``refresh_dispatch_ids``), for the cases open across a day whose
working-day override is added, changed or removed (their working days to close), and
from scratch by ``rebuild`` (``manage.py rebuild_case_trends``) after a bulk load or a
change of ``TIME_ZONE``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Min, OuterRef, Subquery
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from cases.models import Case, CaseTrendFact, Dispatch, DispatchTrendFact, WorkingDayOverride

from .periods import WorkingDayIndex

CLOSED = (Case.Status.CLOSED, Case.Status.ARCHIVED)
_FIELDS = ["created_day", "closed_day", "closed", "district", "hall", "channel", "classification", "blocking_cause",
           "outcome", "rating", "deadline", "escalated", "return_count", "working_days"]
_CASE_FIELDS = ["id", "created_at", "closed_at", "status", "district_id", "hall_id", "channel", "classification",
                "blocking_cause", "outcome", "rating", "deadline", "escalated", "return_count"]
_DISPATCH_FIELDS = ["case", "department", "role", "replied", "on_time", "returned", "pending", "deadline"]
_DISPATCH_SOURCE_FIELDS = ["id", "case_id", "department_id", "role", "deadline", "status", "replied_at"]
BATCH = 2000


def fact_for(case: Case, calendar: WorkingDayIndex | None = None) -> CaseTrendFact:
    """``calendar`` must span the case's days (one is read for the case otherwise)."""
    closed = case.status in CLOSED
    created_day = timezone.localtime(case.created_at).date()
    closed_day = timezone.localtime(case.closed_at).date() if closed and case.closed_at else None
    working_days = None
    if closed_day is not None:
        # As the trends always counted: a closing "before" registration is 0 days.
        if closed_day <= created_day:
            working_days = 0
        else:
            calendar = calendar or WorkingDayIndex(created_day, closed_day)
            working_days = max(0, calendar.between(created_day, closed_day))
    return CaseTrendFact(
        case_id=case.pk,
        created_day=created_day,
        closed_day=closed_day,
        working_days=working_days,
        closed=closed,
        district_id=case.district_id, hall_id=case.hall_id, channel=case.channel,
        classification=case.classification, blocking_cause=case.blocking_cause, outcome=case.outcome,
        rating=case.rating, deadline=case.deadline, escalated=case.escalated, return_count=case.return_count,
    )


def refresh(cases: Iterable[Case]) -> int:
    """Write the facts of ``cases`` as they are now (insert or overwrite, one statement)."""
    cases = list(cases)
    calendar = None
    if len(cases) > 1:  # one calendar read for them all
        days = [timezone.localtime(d).date() for c in cases for d in (c.created_at, c.closed_at) if d]
        calendar = WorkingDayIndex(min(days), max(days))
    facts = [fact_for(case, calendar) for case in cases]
    if facts:
        CaseTrendFact.objects.bulk_create(facts, update_conflicts=True, unique_fields=["case"],
                                          update_fields=_FIELDS)
        # Their dispatches' copy of the registration day (one statement; none changes as a rule).
        DispatchTrendFact.objects.filter(case_id__in=[f.case_id for f in facts]).update(
            created_day=Subquery(CaseTrendFact.objects.filter(pk=OuterRef("case_id")).values("created_day")[:1]))
    return len(facts)


def refresh_ids(case_ids: Iterable[int]) -> int:
    return refresh(Case.objects.filter(pk__in=list(case_ids)).only(*_CASE_FIELDS))


def dispatch_fact_for(dispatch: Dispatch, created_day: datetime.date) -> DispatchTrendFact:
    """``created_day``: its case's registration day (the case fact's)."""
    replied = dispatch.replied_at is not None
    return DispatchTrendFact(
        dispatch_id=dispatch.pk, case_id=dispatch.case_id, created_day=created_day,
        department_id=dispatch.department_id, role=dispatch.role,
        replied=replied,
        on_time=replied and timezone.localtime(dispatch.replied_at).date() <= dispatch.deadline,
        returned=dispatch.status == Dispatch.Status.RETURNED,
        pending=dispatch.status == Dispatch.Status.PENDING,
        deadline=dispatch.deadline,
    )


def _created_days(case_ids: Iterable[int]) -> dict[int, datetime.date]:
    days = dict(CaseTrendFact.objects.filter(pk__in=set(case_ids)).values_list("pk", "created_day"))
    missing = set(case_ids) - set(days)
    if missing:  # a case saved without its signal (a raw load): its day from the case itself
        days |= {pk: timezone.localtime(at).date()
                 for pk, at in Case.objects.filter(pk__in=missing).values_list("pk", "created_at")}
    return days


def refresh_dispatches(dispatches: Iterable[Dispatch]) -> int:
    """Write the facts of ``dispatches`` as they are now (insert or overwrite, one statement)."""
    dispatches = list(dispatches)
    days = _created_days(d.case_id for d in dispatches)
    facts = [dispatch_fact_for(d, days[d.case_id]) for d in dispatches]
    if facts:
        DispatchTrendFact.objects.bulk_create(facts, update_conflicts=True, unique_fields=["dispatch"],
                                              update_fields=_DISPATCH_FIELDS)
    return len(facts)


def refresh_dispatch_ids(dispatch_ids: Iterable[int]) -> int:
    """After a bulk ``update()`` of dispatches (it sends no signal)."""
    return refresh_dispatches(Dispatch.objects.filter(pk__in=list(dispatch_ids)).only(*_DISPATCH_SOURCE_FIELDS))


@transaction.atomic
def rebuild() -> int:
    """Every case's and dispatch's fact from scratch; returns the number of cases."""
    cases = _rebuild_cases()
    DispatchTrendFact.objects.all().delete()
    days = dict(CaseTrendFact.objects.values_list("pk", "created_day"))
    batch: list[Dispatch] = []
    for dispatch in Dispatch.objects.order_by("pk").only(*_DISPATCH_SOURCE_FIELDS).iterator(chunk_size=BATCH):
        batch.append(dispatch)
        if len(batch) == BATCH:
            DispatchTrendFact.objects.bulk_create([dispatch_fact_for(d, days[d.case_id]) for d in batch])
            batch = []
    DispatchTrendFact.objects.bulk_create([dispatch_fact_for(d, days[d.case_id]) for d in batch])
    return cases


def _rebuild_cases() -> int:
    CaseTrendFact.objects.all().delete()
    span = Case.objects.aggregate(first=Min("created_at"), last=Max("closed_at"))
    if span["first"] is None:
        return 0
    first = timezone.localtime(span["first"]).date()
    calendar = WorkingDayIndex(first, max(first, timezone.localtime(span["last"]).date() if span["last"] else first))
    done = 0
    batch: list[Case] = []
    for case in Case.objects.order_by("pk").only(*_CASE_FIELDS).iterator(chunk_size=BATCH):
        batch.append(case)
        if len(batch) == BATCH:
            CaseTrendFact.objects.bulk_create([fact_for(c, calendar) for c in batch])
            done, batch = done + len(batch), []
    CaseTrendFact.objects.bulk_create([fact_for(c, calendar) for c in batch])
    return done + len(batch)


def _on_case_saved(sender, instance: Case, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and not CaseTrendFact.SOURCES & set(update_fields)):
        return
    refresh([instance])


def _on_dispatch_saved(sender, instance: Dispatch, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and not DispatchTrendFact.SOURCES & set(update_fields)):
        return
    refresh_dispatches([instance])


def _on_calendar_changed(sender, instance: WorkingDayOverride, raw=False, **kwargs):
    # The working days to close of every closed case open across that day.
    if not raw:
        refresh_ids(CaseTrendFact.objects.filter(created_day__lt=instance.date, closed_day__gte=instance.date)
                    .values_list("pk", flat=True))


def connect() -> None:
    post_save.connect(_on_case_saved, sender=Case, dispatch_uid="cases_trend_fact")
    post_save.connect(_on_dispatch_saved, sender=Dispatch, dispatch_uid="cases_dispatch_trend_fact")
    post_save.connect(_on_calendar_changed, sender=WorkingDayOverride, dispatch_uid="cases_trend_fact_calendar")
    post_delete.connect(_on_calendar_changed, sender=WorkingDayOverride, dispatch_uid="cases_trend_fact_calendar")
