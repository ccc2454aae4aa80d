"""Deadline extensions: requested by the coordinator, decided by a 督办 or coordinator.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    DeadlineExtension,
    TimelineEntry,
)
from cases.services.base import (
    _log,
    _save_case,
    _locked,
    _require,
)


@transaction.atomic
def extension_request(
    *, case: Case, author, reason: str, new_deadline: datetime.date
) -> DeadlineExtension:
    reason = _require(reason, _("申请延期必须写明理由。"), "reason")
    case = _locked(case)
    if not case.is_open:
        raise ValidationError(_("已办结的案件不能申请延期。"))
    if case.deadline and new_deadline <= case.deadline:
        raise ValidationError({"new_deadline": _("延期后的时限应晚于当前时限 %(d)s。") % {"d": case.deadline.isoformat()}})
    if case.extensions.filter(status=DeadlineExtension.Status.PENDING).exists():
        raise ValidationError(_("该案件已有待审批的延期申请。"))
    extension = DeadlineExtension(case=case, reason=reason, new_deadline=new_deadline, requested_by=author)
    extension.full_clean()
    extension.save()
    _log(
        case,
        TimelineEntry.Kind.EXTENSION,
        author,
        _("申请延期至 %(d)s，理由：%(r)s") % {"d": new_deadline.isoformat(), "r": reason},
    )
    return extension


@transaction.atomic
def extension_decide(*, extension: DeadlineExtension, author, approve: bool) -> DeadlineExtension:
    extension = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != DeadlineExtension.Status.PENDING:
        raise ValidationError(_("该延期申请已审批。"))
    extension.status = DeadlineExtension.Status.APPROVED if approve else DeadlineExtension.Status.REJECTED
    extension.decided_by = author
    extension.decided_at = timezone.now()
    extension.save(update_fields=["status", "decided_by", "decided_at"])
    case = _locked(extension.case)
    if approve:
        case.deadline = extension.new_deadline
        _save_case(case, ["deadline"])
    _log(
        case,
        TimelineEntry.Kind.EXTENSION,
        author,
        _("延期申请（至 %(d)s）%(result)s。")
        % {"d": extension.new_deadline.isoformat(), "result": extension.get_status_display()},
    )
    return extension
