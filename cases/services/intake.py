"""Intake (受理登记) and edits to what was registered.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

import logging

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors
from cases.models import (
    Case,
    ServiceHall,
    TimelineEntry,
)
from cases.services.base import (
    CaseConflictError,
    _log,
    _save_case,
    _locked,
    _normalize_identity,
)
from cases.services.materials import material_add
from kernel.text import plain_text

logger = logging.getLogger(__name__)


INTAKE_FIELDS = (
    "channel",
    "hall",
    "district",
    "reporter_type",
    "reporter_name",
    "reporter_phone",
    "reporter_id_number",
    "enterprise_name",
    "credit_code",
    "contact_preference",
    "matter",
    "service_item",
    "counter_name",
    "counter_failure_reason",
)
# Free text of the intake, cleaned here as well as in the forms: ledger rows, Open311 and
# other callers reach these services directly. Single-line fields lose line breaks.
PLAIN_TEXT_FIELDS = {
    "reporter_name": True, "enterprise_name": True, "counter_name": True,
    "matter": False, "counter_failure_reason": False,
}


def _plain_fields(values: dict) -> dict:
    return {
        name: plain_text(value, single_line=PLAIN_TEXT_FIELDS[name]) if name in PLAIN_TEXT_FIELDS else value
        for name, value in values.items()
    }


def online_report_key(key: str) -> str:
    """The stored idempotency key of an online report (在线反映): in its own namespace, so a key
    a reader types to match a case filed another way (an integrating system's ``k<key>:…``)
    never finds that case."""
    return f"web:{key}"


def case_register(**fields) -> Case:
    """受理登记: create a case with its tracking number and any 容缺 materials.

    Takes the keywords of :func:`case_register_or_existing`; a repeat of an idempotency key
    returns the case stored first.
    """
    return case_register_or_existing(**fields)[0]


@transaction.atomic
def case_register_or_existing(
    *,
    author,
    channel: str,
    district=None,
    hall: ServiceHall | None = None,
    reporter_name: str,
    reporter_phone: str,
    matter: str,
    reporter_type: str = Case.ReporterType.PERSON,
    reporter_id_number: str = "",
    enterprise_name: str = "",
    credit_code: str = "",
    contact_preference: str = Case.ContactPreference.PHONE,
    service_item=None,
    counter_name: str = "",
    counter_failure_reason: str = "",
    materials: list[dict] | tuple = (),
    idempotency_key: str | None = None,
    created_at: datetime.datetime | None = None,
    api_key=None,
    filing_extras: dict[str, str] | None = None,
) -> tuple[Case, bool]:
    """受理登记, and whether this call created the case (False: the idempotency key's case).

    Callers that write more for a new case (the Open311 filing note) write it only when
    this call created it, so a concurrent repeat of the same request writes nothing.
    ``api_key`` is the integrating system's key a case came in through (cases.open311),
    ``filing_extras`` what that system sent for which a case has no field (``Case.filing_extras``).
    """
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    if district is None and hall is not None:
        district = hall.district
    if district is None:
        raise ValidationError({"district": _("请选择所属区。")})
    _check_place(author, district=district, hall=hall)
    data = _normalize_identity(
        {
            "reporter_id_number": reporter_id_number,
            "credit_code": credit_code,
            "reporter_phone": reporter_phone,
        }
    )
    case = Case(
        channel=channel,
        district=district,
        hall=hall,
        reporter_type=reporter_type,
        contact_preference=contact_preference,
        service_item=service_item,
        **_plain_fields({
            "reporter_name": reporter_name, "enterprise_name": enterprise_name, "matter": matter,
            "counter_name": counter_name, "counter_failure_reason": counter_failure_reason,
        }),
        idempotency_key=idempotency_key or None,
        api_key=api_key,
        filing_extras=filing_extras or {},
        created_by=author,
        created_at=created_at or timezone.now(),
        **data,
    )
    # The database settles the idempotency key's uniqueness: a concurrent repeat of the
    # same report gets the case the first one stored instead of an error.
    case.full_clean(exclude=["tracking_number", "idempotency_key"])
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    # The primary key gives a gap-free, collision-free sequence without a counter table.
    case.tracking_number = f"BCS-{timezone.localtime(case.created_at).year}-{case.pk:06d}"
    case.save(update_fields=["tracking_number"])
    _log(
        case,
        TimelineEntry.Kind.REGISTERED,
        author,
        _("通过%(channel)s受理登记，编号 %(no)s。")
        % {"channel": case.get_channel_display(), "no": case.tracking_number},
        visible=True,
    )
    for material in materials:
        material_add(case=case, author=author, **material)
    logger.info("case registered %s", case.tracking_number)
    return case, True


def _check_place(author, *, district, hall) -> None:
    """Refuse a hall outside the district, or a place the author does not answer for:
    such a case would disappear from the author's own list the moment it is saved."""
    if hall is not None and district is not None and hall.district_id != district.pk:
        raise ValidationError({"hall": _("所选受理大厅不属于所选的区，请核对。")})
    if author is not None and not selectors.may_register_in(author, district=district, hall=hall):
        raise ValidationError(
            {"hall": _("只能登记或改到您所在的受理大厅（或本区）；其他区的事项请转交该区窗口或由协调员登记。")}
        )


@transaction.atomic
def case_update_intake(*, case: Case, author, expected_version: int, **changes) -> Case:
    """Edit the intake fields; refuses if someone else changed the case in the meantime."""
    unknown = set(changes) - set(INTAKE_FIELDS)
    if unknown:
        raise ValueError(f"not intake fields: {sorted(unknown)}")
    current = _locked(case)
    if current.version != expected_version:
        raise CaseConflictError()
    changes = _normalize_identity(_plain_fields(changes))
    if "district" in changes or "hall" in changes:
        _check_place(
            author,
            district=changes.get("district", current.district),
            hall=changes.get("hall", current.hall),
        )
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    for name, value in changes.items():
        setattr(current, name, value)
    if not changed:
        return current
    _save_case(current, changed)
    labels = "、".join(str(Case._meta.get_field(name).verbose_name) for name in changed)
    _log(current, TimelineEntry.Kind.INTAKE_UPDATE, author, _("修改了登记信息：%(f)s。") % {"f": labels})
    return current
