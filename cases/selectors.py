"""Every read on the case desk, scoped to what the user's role may see."""

from __future__ import annotations

import dataclasses
import datetime
import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import Case, Dispatch, MissingMaterial, ServiceHall, TimelineEntry
from cases.permissions import can_view_personal_data, profile_of
from cases.workdays import add_working_days
from kernel.personal_data import INDIVIDUAL_BUSINESS_CREDIT_PREFIX, mask_reporter
from knowledge.models import Department, District

DUE_SOON_WORKING_DAYS = 2


def _scope_q(user, case_pk=None) -> Q | None:
    """A filter for the cases ``user`` may see; None means all, an impossible Q means none."""
    q = _responsibility_q(user, case_pk)
    return None if q is None else q | _library_q(user)


def _responsibility_q(user, case_pk=None) -> Q | None:
    """The cases ``user`` works on (their district, hall or department), without the
    read-only case library; None means all, an impossible Q means none.

    ``case_pk`` narrows the department part to that one case's dispatches (a lookup of
    one case need not list every case the department ever had)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or user.has_perm("cases.view_all_cases"):
        return None
    profile = profile_of(user)
    q = Q(pk__in=[])
    if profile is None:
        return q
    if user.has_perm("cases.view_district_cases") and profile.district_id:
        q |= Q(district_id=profile.district_id)
    if user.has_perm("cases.view_hall_cases") and profile.hall_id:
        q |= Q(hall_id=profile.hall_id)
    if user.has_perm("cases.view_department_cases") and profile.department_id:
        # An IN list, not a correlated EXISTS: without table statistics SQLite probes the
        # EXISTS through the department index once per case (17 s at 20,000 cases).
        dispatches = Dispatch.objects.filter(department_id=profile.department_id)
        if case_pk is not None:
            dispatches = dispatches.filter(case_id=case_pk)
        q |= Q(pk__in=dispatches.values("case_id"))
    return q


def _library_q(user) -> Q:
    # Editors read the shared case library (closed cases only, personal data masked).
    if user.is_authenticated and user.has_perm("cases.view_case_library"):
        return Q(status__in=[Case.Status.CLOSED, Case.Status.ARCHIVED])
    return Q(pk__in=[])


def visible_cases_for(user) -> QuerySet[Case]:
    qs = Case.objects.select_related("district", "hall", "service_item")
    q = _scope_q(user)
    return qs if q is None else qs.filter(q)


def responsibility_q(user) -> Q | None:
    """``responsible_cases_for`` as a filter (on ``district_id``, ``hall_id`` and ``pk``), for
    tables keyed by case such as the trend summary; None means all."""
    return _responsibility_q(user)


def responsible_cases_for(user) -> QuerySet[Case]:
    """The cases a user answers for: what work statistics count (the shared library
    of other districts' closed cases would skew every rate)."""
    q = _responsibility_q(user)
    return Case.objects.all() if q is None else Case.objects.filter(q)


def _registrar_scope(user) -> tuple[int | None, int | None] | None:
    """(district id, hall id) a user files cases for, either None when that right is
    missing; None overall when unrestricted. The same rules as ``_responsibility_q``."""
    if _responsibility_q(user) is None:
        return None
    profile = profile_of(user)
    if profile is None:
        return (None, None)
    district_id = profile.district_id if user.has_perm("cases.view_district_cases") else None
    hall_id = profile.hall_id if user.has_perm("cases.view_hall_cases") else None
    return district_id, hall_id


def registration_places_for(user) -> tuple[QuerySet | None, QuerySet | None]:
    """(districts, halls) a user may register or move a case into; None means any.

    A case filed outside these would vanish from the registering user's own list.
    """
    scope = _registrar_scope(user)
    if scope is None:
        return None, None
    district_id, hall_id = scope
    halls = ServiceHall.objects.filter(Q(district_id=district_id) | Q(pk=hall_id))
    # A hall clerk's hall lies in a district the form must offer too.
    district_ids = {district_id, *halls.values_list("district_id", flat=True)} - {None}
    return District.objects.filter(pk__in=district_ids), halls


def may_register_in(user, *, district, hall) -> bool:
    """Whether a case in ``district``/``hall`` stays within what ``user`` answers for."""
    scope = _registrar_scope(user)
    if scope is None:
        return True
    district_id, hall_id = scope
    if district_id is not None and district is not None and district.pk == district_id:
        return True
    return hall_id is not None and hall is not None and hall.pk == hall_id


def sole_trader_q() -> Q:
    """Cases reported by a 个体工商户 (``kernel.personal_data.is_individual_business_credit_code``
    as a filter: stored codes are normalised)."""
    return Q(credit_code__startswith=INDIVIDUAL_BUSINESS_CREDIT_PREFIX)


def _contains(field: str) -> Callable[[str], Q]:
    return lambda word: Q(**{f"{field}__icontains": word})


@dataclasses.dataclass(frozen=True)
class SearchableField:
    """How a word of the case list's search matches one field: ``full`` for a role with
    personal-data rights, ``as_seen`` for any other role, which searches only what it reads
    (a match on a value it sees masked would confirm a guess of it)."""

    full: Callable[[str], Q]
    as_seen: Callable[[str], Q]


def _company_name(word: str) -> Q:
    # A 个体工商户's name names the person behind it: only a company's name is searched.
    return _contains("enterprise_name")(word) & ~sole_trader_q()


# The case list's searchable fields. A field not declared here is not searchable.
CASE_SEARCH_FIELDS = {
    "tracking_number": SearchableField(full=_contains("tracking_number"), as_seen=_contains("tracking_number")),
    # Phone and ID numbers or a 个体工商户's name typed into the matter read de-identified.
    "matter": SearchableField(full=_contains("matter"), as_seen=_contains("matter_deidentified")),
    "enterprise_name": SearchableField(full=_contains("enterprise_name"), as_seen=_company_name),
}


def case_text_search(queryset: QuerySet[Case], query: str, *, user, fields=tuple(CASE_SEARCH_FIELDS)) -> QuerySet[Case]:
    """The case list's search box: every word must match one of ``fields`` (keys of
    ``CASE_SEARCH_FIELDS``) as ``user``'s role may search it; 營業執照 finds 营业执照.

    Plain substring matching, as staff expect for tracking numbers and company names;
    each word is also tried in its normalised form (simplified, half-width).
    """
    from search.analysis import normalize

    full = can_view_personal_data(user)
    matchers = [CASE_SEARCH_FIELDS[f].full if full else CASE_SEARCH_FIELDS[f].as_seen for f in fields]
    for word in query.split()[:10]:
        match = Q(pk__in=[])
        for variant in {word, normalize(word)}:
            for matcher in matchers:
                match |= matcher(variant)
        queryset = queryset.filter(match)
    return queryset


REPORTER_LOOKUP_LIMIT = 50


def cases_of_reporter(user, *, phone: str = "", id_number: str = "") -> list[Case]:
    """The user's visible cases filed by the person with this phone or ID number, newest first."""
    match = Q(pk__in=[])
    if phone:
        match |= Q(reporter_phone=phone)
    if id_number:
        match |= Q(reporter_id_number=id_number)
    return list(visible_cases_for(user).filter(match).order_by("-created_at")[:REPORTER_LOOKUP_LIMIT])


REPEAT_DAYS = 30


def repeated_registrations(
    user, *, reporter_phone: str = "", reporter_id_number: str = "", credit_code: str = "", matter: str = "",
    days: int = REPEAT_DAYS,
) -> list[Case]:
    """Cases of the last ``days`` days that ``user`` answers for, filed by the same reporter
    (phone, resident ID or credit code) with the same matter text: saving again is an exact repeat.

    Only for roles that may see the reporter's identifiers: for any other role the answer
    would confirm a number it sees masked, so it is always empty.
    """
    from cases.duplicates import same_text
    from cases.services import normalize_phone

    if not can_view_personal_data(user) or not (matter or "").strip():
        return []
    try:
        phone = normalize_phone(reporter_phone) if (reporter_phone or "").strip() else ""
    except ValidationError:  # a malformed number is the form's error to report, not a match
        phone = ""
    same = Q(pk__in=[])
    for field, value in (("reporter_phone", phone), ("reporter_id_number", reporter_id_number),
                         ("credit_code", credit_code)):
        if value:
            same |= Q(**{field: value})
    since = timezone.now() - datetime.timedelta(days=days)
    candidates = responsible_cases_for(user).filter(same, created_at__gte=since).order_by("-created_at")[:50]
    return [case for case in candidates if same_text(case.matter, matter)]


def get_visible_case(user, pk) -> Case:
    """Raises Case.DoesNotExist for cases outside the user's scope (views turn it into 404)."""
    qs = Case.objects.select_related("district", "hall", "service_item")
    q = _scope_q(user, case_pk=pk)
    return (qs if q is None else qs.filter(q)).get(pk=pk)


def case_search_restrict_keys(user) -> list[str] | None:
    """Restrict keys for staff case search: None = all cases, [] = none.

    Documents carry ``hall:<id>``, ``district:<id>`` and ``dept:<id>`` for every
    department a case was dispatched to (see cases.search_source).
    """
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser or user.has_perm("cases.view_all_cases"):
        return None
    profile = profile_of(user)
    if profile is None:
        return []
    keys = []
    if user.has_perm("cases.view_district_cases") and profile.district_id:
        keys.append(f"district:{profile.district_id}")
    if user.has_perm("cases.view_hall_cases") and profile.hall_id:
        keys.append(f"hall:{profile.hall_id}")
    if user.has_perm("cases.view_department_cases") and profile.department_id:
        keys.append(f"dept:{profile.department_id}")
    return keys


def case_restrict_keys(case: Case, *, department_ids=None) -> list[str]:
    """The search layer's scope keys of a case; ``department_ids``: those of its dispatches,
    when the caller has read them already."""
    keys = [f"district:{case.district_id}"]
    if case.hall_id:
        keys.append(f"hall:{case.hall_id}")
    if department_ids is None:
        department_ids = case.dispatches.values_list("department_id", flat=True)
    dept_ids = sorted(set(department_ids))
    keys += [f"dept:{d}" for d in dept_ids]
    return keys


# --- deadlines --------------------------------------------------------------

OPEN_STATUSES = [
    Case.Status.REGISTERED, Case.Status.TRIAGED, Case.Status.IN_PROGRESS, Case.Status.REOPENED,
]


def due_soon_limit(today: datetime.date | None = None) -> datetime.date:
    return add_working_days(today or timezone.localdate(), DUE_SOON_WORKING_DAYS)


def overdue_cases(qs: QuerySet[Case] | None = None, today: datetime.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    qs = Case.objects.all() if qs is None else qs
    return qs.filter(status__in=OPEN_STATUSES, deadline__lt=today)


def due_soon_cases(qs: QuerySet[Case] | None = None, today: datetime.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    qs = Case.objects.all() if qs is None else qs
    return qs.filter(status__in=OPEN_STATUSES, deadline__gte=today, deadline__lte=due_soon_limit(today))


def deadline_state(case: Case, today: datetime.date | None = None, soon: datetime.date | None = None) -> str:
    """'overdue', 'due_soon' or '' for highlighting rows."""
    if not case.deadline or case.status not in OPEN_STATUSES:
        return ""
    today = today or timezone.localdate()
    if case.deadline < today:
        return "overdue"
    if case.deadline <= (soon or due_soon_limit(today)):
        return "due_soon"
    return ""


def materials_due_for_reminder(today: datetime.date | None = None, days_before: int = 1) -> QuerySet[MissingMaterial]:
    """Outstanding 容缺 materials whose promised date is within ``days_before`` working days (or past)."""
    today = today or timezone.localdate()
    limit = add_working_days(today, days_before)
    return (
        MissingMaterial.objects.filter(status=MissingMaterial.Status.OUTSTANDING, promised_date__lte=limit)
        .exclude(reminded_on=today)
        .select_related("case")
    )


def dispatches_for_user(user) -> QuerySet[Dispatch]:
    """我的待办: pending dispatches of the user's department."""
    profile = profile_of(user)
    if not profile or not profile.department_id:
        return Dispatch.objects.none()
    return (
        Dispatch.objects.filter(department_id=profile.department_id, status=Dispatch.Status.PENDING)
        .select_related("case", "department")
        .order_by("deadline", "id")
    )


def pending_dispatches(case: Case) -> QuerySet[Dispatch]:
    """The case's dispatches still waiting for a department's answer."""
    return case.dispatches.filter(status=Dispatch.Status.PENDING).select_related("department")


def dispatch_labels(dispatches) -> str:
    """"虹口区市场监督管理局（主办）、虹口区税务局（协办）" for messages and the timeline."""
    return "、".join(f"{d.department}（{d.get_role_display()}）" for d in dispatches)


def desk_summary(user, today: datetime.date | None = None) -> dict[str, int]:
    """Counts for the dashboard: what waits on the user's own desk, not the shared library."""
    qs = responsible_cases_for(user)
    today = today or timezone.localdate()
    return {
        "registered": qs.filter(status=Case.Status.REGISTERED).count(),
        "open": qs.filter(status__in=OPEN_STATUSES).count(),
        "due_soon": due_soon_cases(qs, today).count(),
        "overdue": overdue_cases(qs, today).count(),
        "my_dispatches": dispatches_for_user(user).count(),
        # Open cases a department sent back (退单) or that went up a level (提级督办) need a look first.
        "returned": qs.filter(status__in=OPEN_STATUSES, return_count__gt=0).count(),
        "escalated": qs.filter(status__in=OPEN_STATUSES, escalated=True).count(),
    }


# --- personal data ----------------------------------------------------------


def masked_reporter(case: Case) -> dict[str, str]:
    return mask_reporter(
        name=case.reporter_name,
        phone=case.reporter_phone,
        id_number=case.reporter_id_number,
        credit_code=case.credit_code,
        enterprise_name=case.enterprise_name,
        erased=case.personal_data_erased_at is not None,
    )


def deidentified_text(text: str, case: Case) -> str:
    """Free text with the reporter's known identifiers and any personal-data pattern replaced."""
    return case.deidentify_text(text)


def reporter_values_for(user, case: Case) -> dict[str, str]:
    """Full values for roles allowed to see them, masked values otherwise."""
    if can_view_personal_data(user):
        return {
            "reporter_name": case.reporter_name,
            "reporter_phone": case.reporter_phone,
            "reporter_id_number": case.reporter_id_number,
            "credit_code": case.credit_code,
            "enterprise_name": case.enterprise_name,
        }
    return masked_reporter(case)


# --- timeline ---------------------------------------------------------------


def case_timeline(case: Case) -> QuerySet[TimelineEntry]:
    return case.timeline.select_related("author").order_by("created_at", "id")


def merged_case_ids(case: Case) -> list[int]:
    from cases.models import CaseMerge

    return list(CaseMerge.objects.filter(primary=case).values_list("merged_id", flat=True))


def case_full_timeline(case: Case) -> QuerySet[TimelineEntry]:
    """The case's timeline with the timelines of the cases merged into it (并单)."""
    ids = [case.pk, *merged_case_ids(case)]
    return (
        TimelineEntry.objects.filter(case_id__in=ids)
        .select_related("author", "case")
        .order_by("created_at", "id")
    )


def case_article_links(case: Case):
    return case.article_links.select_related("page").order_by("created_at", "id")


def reporter_timeline(case: Case) -> QuerySet[TimelineEntry]:
    """Only what the reporter may read: messages and entries marked visible, never internal notes."""
    return case.timeline.filter(visible_to_reporter=True).exclude(
        kind=TimelineEntry.Kind.INTERNAL_NOTE
    ).order_by("created_at", "id")


# --- public lookup ----------------------------------------------------------


def public_tracking_number(typed: str) -> str:
    """A tracking number as a reader may type it (lower case, full-width, spaces) in one spelling."""
    return unicodedata.normalize("NFKC", typed or "").strip().upper()


def public_case_lookup(tracking_number: str, phone_last4: str) -> Case | None:
    tracking_number = public_tracking_number(tracking_number)
    phone_last4 = (phone_last4 or "").strip()
    if not tracking_number or len(phone_last4) != 4 or not phone_last4.isdigit():
        return None
    case = Case.objects.filter(tracking_number=tracking_number).first()
    if case is None:
        return None
    digits = "".join(c for c in case.reporter_phone if c.isdigit())
    if not digits.endswith(phone_last4):
        return None
    return case


def case_library(qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Closed and archived cases: the shared case library (案例库)."""
    qs = Case.objects.all() if qs is None else qs
    return qs.filter(status__in=[Case.Status.CLOSED, Case.Status.ARCHIVED])


def articles_for_cases(case_ids) -> dict[int, list[dict]]:
    """Live articles/guides that resolved (or were drafted from) each case: the precedent
    panel shows "this case and its article"."""
    from cases.models import CaseArticleLink

    out: dict[int, list[dict]] = {}
    links = (
        CaseArticleLink.objects.filter(
            case_id__in=list(case_ids),
            relation__in=[CaseArticleLink.Relation.RESOLVED_BY, CaseArticleLink.Relation.DRAFTED_FROM],
            page__live=True,
        )
        .select_related("page")
        .order_by("created_at", "pk")
    )
    for link in links:
        items = out.setdefault(link.case_id, [])
        if all(i["id"] != link.page_id for i in items):
            items.append({"id": link.page_id, "title": link.page.title, "url": link.page.url or ""})
    return out


def catalogue_lead_department(*, service_item, district=None):
    """The department the service catalogue names for an item, in the case's district.

    12345-style routing goes by the catalogue (事项目录 / 职责清单) before any
    guess. An item is registered once, with one district's implementing
    department; every district has its counterpart (青浦区市场监督管理局 ↔
    虹口区市场监督管理局), so a case in another district is routed to the
    department of the same name there. Returns (department, note) or (None, "").
    """
    department = getattr(service_item, "department", None)
    if department is None:
        return None, ""
    if district is None or department.district_id in (None, district.pk):
        return department, ""
    home = department.district.name if department.district else ""
    if home and department.name.startswith(home):
        counterpart = Department.objects.filter(
            district=district, name=district.name + department.name[len(home):]
        ).first()
        if counterpart is not None:
            return counterpart, ""
    return department, "目录登记的实施部门在{}，请核对属地。".format(home or "其他区")


def personal_data_retention_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "BANCHENG_PERSONAL_DATA_RETENTION_DAYS", 3 * 365))


def cases_due_for_personal_data_erasure(now: datetime.datetime | None = None) -> QuerySet[Case]:
    """Archived cases whose retention period (counted from archiving) has ended and whose
    reporter's personal data is still held."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=personal_data_retention_days())
    return Case.objects.filter(
        status=Case.Status.ARCHIVED, archived_at__lt=limit, personal_data_erased_at__isnull=True
    ).order_by("archived_at", "pk")


# --- possible duplicates (并单) ------------------------------------------------

DUPLICATE_WINDOW_DAYS = 30


def duplicate_candidates_for(user, *, around: datetime.datetime | None = None, exclude=None):
    """The open cases ``user`` may see, registered within 30 days of ``around`` (now by
    default), as ``({pk: case}, [DuplicateCandidate])`` for ``cases.duplicates``.

    Roles that may not see personal data compare the de-identified matter; the identifiers
    only ever match the ones the caller passes for such a role, which is none."""
    from cases.duplicates import DuplicateCandidate

    around = around or timezone.now()
    window = datetime.timedelta(days=DUPLICATE_WINDOW_DAYS)
    # Only what the comparison and the answer read: a district has hundreds of open cases a month.
    qs = visible_cases_for(user).select_related(None).only(
        "pk", "tracking_number", "status", "created_at", "matter", "matter_deidentified",
        "reporter_phone", "reporter_id_number", "credit_code",
    ).filter(status__in=OPEN_STATUSES, created_at__gte=around - window, created_at__lte=around + window)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    by_id = {c.pk: c for c in qs}
    full = can_view_personal_data(user)
    others = [
        DuplicateCandidate(
            c.pk, c.matter if full else c.matter_deidentified, c.created_at,
            c.reporter_phone, c.reporter_id_number, c.credit_code,
        )
        for c in by_id.values()
    ]
    return by_id, others


def possible_duplicates_of(user, case: Case, *, limit: int = 20) -> list[tuple[Case, str]]:
    """This open case's possible duplicates among the open cases ``user`` may see, most likely
    first, each with its reason (the same detection as the intake form's 疑似重复 panel)."""
    from cases.duplicates import DuplicateCandidate, possible_duplicates

    if not case.is_open:
        return []
    by_id, others = duplicate_candidates_for(user, around=case.created_at, exclude=case.pk)
    full = can_view_personal_data(user)
    new = DuplicateCandidate(
        case.pk, case.matter if full else case.matter_deidentified, case.created_at,
        case.reporter_phone if full else "", case.reporter_id_number if full else "",
        case.credit_code if full else "",
    )
    return [(by_id[d.case_id], d.reason) for d in possible_duplicates(new, others)[:limit]]
