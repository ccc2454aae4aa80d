"""Reads for Open311: the service list and the public form of a case.

A public answer carries only what the reporter's own status page shows —
status, outcome and the resolution summary — and never a name, phone, ID
number, the reporter's own words or an internal note. The summary is written
by staff but may quote the reporter, so it is de-identified (with the case's
own names known) before it leaves.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Dispatch
from kernel.personal_data import deidentify
from knowledge.models import ServiceItem

# The catalogue does not list every matter a citizen brings; cases without an item use this code.
GENERAL_SERVICE_CODE = "general"
OPEN_STATES = (Case.Status.REGISTERED, Case.Status.TRIAGED, Case.Status.IN_PROGRESS, Case.Status.REOPENED)
CLOSED_STATES = (Case.Status.CLOSED, Case.Status.ARCHIVED)


def iso(value: datetime.datetime | None) -> str | None:
    """ISO 8601 with the local offset (+08:00), to the second."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def deadline_datetime(day: datetime.date | None) -> str | None:
    """A working-day deadline is met on any time of that day: the end of the day, local time."""
    if day is None:
        return None
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return iso(timezone.make_aware(end))


def service_code(item: ServiceItem | None) -> str:
    return str(item.pk) if item is not None else GENERAL_SERVICE_CODE


def service_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.select_related("department").order_by("name", "pk")


def service_for_code(code: str) -> ServiceItem | None | bool:
    """The item for ``code``; None for the general service; False when unknown."""
    code = (code or "").strip()
    if code == GENERAL_SERVICE_CODE:
        return None
    if not (code.isascii() and code.isdigit()) or len(code) > 12:  # "²" is a digit to isdigit()
        return False
    return ServiceItem.objects.filter(pk=int(code)).first() or False


def service_dict(item: ServiceItem | None) -> dict:
    if item is None:
        return {
            "service_code": GENERAL_SERVICE_CODE,
            "service_name": _("其他事项（未列入事项目录）"),
            "description": _("在窗口或网上没有办成、又找不到对应事项的事情。"),
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
    department = item.department
    return {
        "service_code": service_code(item),
        "service_name": item.name,
        "description": _("%(name)s：在窗口没有办成的，可在此反映。") % {"name": item.name},
        "metadata": True,
        "type": "realtime",
        "keywords": item.code,
        "group": department.name if department else "",
    }


def public_requests() -> QuerySet[Case]:
    """Every case, with what the public form needs and nothing more loaded than necessary."""
    leads = Dispatch.objects.filter(role=Dispatch.Role.LEAD).exclude(
        status__in=[Dispatch.Status.RETURNED, Dispatch.Status.REASSIGNED]
    ).select_related("department").order_by("-created_at", "-id")
    return (
        Case.objects.exclude(tracking_number__isnull=True)
        .select_related("service_item", "api_key")
        .prefetch_related(Prefetch("dispatches", queryset=leads, to_attr="current_leads"))
        .order_by("-created_at", "-id")
    )


def _lead_department(case: Case) -> str:
    leads = getattr(case, "current_leads", None)
    if leads is None:
        leads = list(
            case.dispatches.filter(role=Dispatch.Role.LEAD)
            .exclude(status__in=[Dispatch.Status.RETURNED, Dispatch.Status.REASSIGNED])
            .select_related("department").order_by("-created_at", "-id")
        )
    return leads[0].department.name if leads else ""


def _status_notes(case: Case, *, with_summary: bool) -> str:
    parts = [str(case.get_status_display())]
    if case.outcome:
        parts.append(_("办理结果：%(outcome)s") % {"outcome": case.get_outcome_display()})
    text = "；".join(parts) + "。"
    if with_summary and case.outcome and case.resolution_summary.strip():
        names = [n for n in (case.reporter_name, case.enterprise_name) if n]
        text += deidentify(case.resolution_summary.strip(), known_names=names).text
    return text


def _service_notice(case: Case) -> str:
    if case.status in CLOSED_STATES:
        return _("已办结。可凭受理编号和联系电话后四位在“查询办理进度”页评价。")
    if case.deadline:
        return _("办理时限：%(date)s（按工作日计算）。") % {"date": case.deadline.strftime("%Y年%-m月%-d日")}
    return _("已受理，研判分办后确定办理时限。")


def request_dict(case: Case, *, key=None) -> dict:
    """The public Open311 form of a case (the mapping README documents under “对接”).

    The resolution summary, which the status page shows only to whoever knows the
    reporter's phone, goes only to the system that filed the case (``key``'s system).
    """
    own = key is not None and case.api_key_id is not None and case.api_key.system_id == key.system_id
    return {
        "service_request_id": case.tracking_number,
        "status": "closed" if case.status in CLOSED_STATES else "open",
        "status_notes": _status_notes(case, with_summary=own),
        "service_name": case.service_item.name if case.service_item_id else str(service_dict(None)["service_name"]),
        "service_code": service_code(case.service_item),
        "agency_responsible": _lead_department(case),
        "service_notice": _service_notice(case),
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": deadline_datetime(case.deadline),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }
