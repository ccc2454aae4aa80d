"""Personal-data retention (个人信息保存期限): erasure from archived cases.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseMerge,
    DeadlineExtension,
    Dispatch,
    MissingMaterial,
    Rectification,
    ReturnVisit,
    TimelineEntry,
)
from cases.services.base import (
    _log,
    _locked,
)
from kernel import personal_data

logger = logging.getLogger(__name__)


# Free text that may quote the reporter, per model: de-identified on erasure.
_ERASABLE_TEXT = {
    Case: ("matter", "counter_failure_reason", "cited_rule", "alternative_path", "guidance_answer",
           "referral_reason", "resolution_summary", "rating_comment"),
    Dispatch: ("task", "reply", "returned_reason"),
    MissingMaterial: ("waive_reason",),
    DeadlineExtension: ("reason",),
    Rectification: ("reason", "result", "verification_note"),
    ReturnVisit: ("notes",),
}


@transaction.atomic
def case_personal_data_erase(*, case: Case, author=None) -> Case:
    """Delete the reporter's personal data from an archived case whose retention period ended.

    Names, phone and ID number are removed from the record; every free text of the case,
    its dispatches, materials, extensions, 整改, 回访 and its timeline is de-identified
    (the reporter's own identifiers and any personal-data pattern). What was done, and
    what a case was about, stays: the case library keeps its value, the person is gone.
    """
    from cases.selectors import deidentified_text

    case = _locked(case)
    if case.personal_data_erased_at is not None:
        return case
    if case.status != Case.Status.ARCHIVED:
        raise ValidationError(_("只有已归档的案件才能删除个人信息。"))

    def redact(text: str) -> str:
        return deidentified_text(text, case) if text else text

    related = {
        Dispatch: case.dispatches.all(), MissingMaterial: case.materials.all(),
        DeadlineExtension: case.extensions.all(), Rectification: case.rectifications.all(),
        ReturnVisit: case.return_visits.all(),
    }
    for model, queryset in related.items():
        for obj in queryset:
            fields = [f for f in _ERASABLE_TEXT[model] if redact(getattr(obj, f)) != getattr(obj, f)]
            for name in fields:
                setattr(obj, name, redact(getattr(obj, name)))
            if fields:
                obj.save(update_fields=fields)
    for merge in CaseMerge.objects.filter(Q(primary=case) | Q(merged=case)):
        if redact(merge.reason) != merge.reason:
            merge.reason = redact(merge.reason)
            merge.save(update_fields=["reason"])
    entries = TimelineEntry.objects.filter(case=case).redact_text(redact)

    for name in _ERASABLE_TEXT[Case]:
        setattr(case, name, redact(getattr(case, name)))
    case.reporter_name = personal_data.ERASED_NAME
    case.reporter_phone = ""
    case.reporter_id_number = ""
    case.personal_data_erased_at = timezone.now()
    case.version += 1
    # The phone is required at intake; an erased one is the single exception.
    case.full_clean(exclude=["tracking_number", "reporter_phone"])
    case.save(update_fields=[*_ERASABLE_TEXT[Case], "reporter_name", "reporter_phone", "reporter_id_number",
                             "personal_data_erased_at", "version", "updated_at"])
    _log(case, TimelineEntry.Kind.ERASURE, author, _(
        "保存期限已满，反映人的姓名、电话、身份证号已删除，%(n)s 条办理记录中的个人信息已去除。"
    ) % {"n": entries})
    logger.info("personal data erased from case %s", case.tracking_number)
    return case
