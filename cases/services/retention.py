"""Personal-data retention (个人信息保存期限): erasure from archived cases.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

import json
import logging
import re

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
    WebhookDelivery,
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

# The filing note of a case an integrating system sent (cases.open311.services.case_file_through_key):
# "接口提交：<system>，密钥 <prefix>…（编号 <id>）。对方另附：<address, coordinates, e-mail, photo>。"
# Everything after the mark is what the system sent about the reporter; it goes as a whole, also
# on cases filed before the values were kept in ``Case.filing_extras``.
_FILING_EXTRAS_TAIL = re.compile(r"\A(接口提交：.*?)对方另附：.*\Z", re.DOTALL)
_FILING_EXTRAS_ERASED = "对方另附：（已删除）。"


def _redact_json(text: str, redact) -> str:
    """A stored JSON body (a status push) with every string value redacted; stays valid JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return redact(text)

    def walk(value):
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    redacted = walk(data)
    return text if redacted == data else json.dumps(redacted, ensure_ascii=False, sort_keys=True)


@transaction.atomic
def case_personal_data_erase(*, case: Case, author=None) -> Case:
    """Delete the reporter's personal data from an archived case whose retention period ended.

    Names, phone and ID number are removed from the record, and so is what an integrating
    system sent with the case (address, coordinates, e-mail, photo link: ``filing_extras``
    and the tail of the filing note); every free text of the case, its dispatches, materials,
    extensions, 整改, 回访, its timeline and its status pushes is de-identified (the reporter's
    own identifiers, those values, and any personal-data pattern). What was done, and what a
    case was about, stays: the case library keeps its value, the person is gone.
    """
    from cases.selectors import deidentified_text

    case = _locked(case)
    if case.personal_data_erased_at is not None:
        return case
    if case.status != Case.Status.ARCHIVED:
        raise ValidationError(_("只有已归档的案件才能删除个人信息。"))

    # A 个体工商户's name and code identify the person behind it (kernel.personal_data);
    # a company's (91…) stay, like the case's story.
    # (Case.deidentify_text replaces them in every text below while the case still holds them.)
    sole_trader = personal_data.is_individual_business_credit_code(case.credit_code)

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
    had_extras = bool(case.filing_extras) or TimelineEntry.objects.filter(
        case=case, kind=TimelineEntry.Kind.INTERNAL_NOTE, author__isnull=True, text__contains="对方另附："
    ).exists()

    def redact_entry(text: str) -> str:
        return redact(_FILING_EXTRAS_TAIL.sub(lambda m: m.group(1) + _FILING_EXTRAS_ERASED, text))

    entries = TimelineEntry.objects.filter(case=case).redact_text(redact_entry)
    for delivery in WebhookDelivery.objects.filter(case=case).only("pk", "payload"):
        payload = _redact_json(delivery.payload, redact)
        if payload != delivery.payload:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(payload=payload)

    for name in _ERASABLE_TEXT[Case]:
        setattr(case, name, redact(getattr(case, name)))
    case.reporter_name = personal_data.ERASED_NAME
    case.reporter_phone = ""
    case.reporter_id_number = ""
    case.filing_extras = {}
    erased_fields = []
    if sole_trader:
        case.credit_code = ""
        # An enterprise report needs a name (Case.clean): the erased mark stands in.
        case.enterprise_name = personal_data.ERASED_NAME if case.enterprise_name else ""
        erased_fields = ["credit_code", "enterprise_name"]
    case.personal_data_erased_at = timezone.now()
    case.version += 1
    # The phone is required at intake; an erased one is the single exception.
    case.full_clean(exclude=["tracking_number", "reporter_phone"])
    case.save(update_fields=[*_ERASABLE_TEXT[Case], "reporter_name", "reporter_phone", "reporter_id_number",
                             "filing_extras", *erased_fields, "personal_data_erased_at", "version",
                             "updated_at"])
    if sole_trader and had_extras:
        text = _("保存期限已满，反映人的姓名、电话、身份证号，个体工商户的名称和统一社会信用代码，"
                 "及对接系统附带的地址、坐标、电子邮箱、图片链接已删除，%(n)s 条办理记录中的个人信息已去除。")
    elif sole_trader:
        text = _("保存期限已满，反映人的姓名、电话、身份证号，个体工商户的名称和统一社会信用代码已删除，"
                 "%(n)s 条办理记录中的个人信息已去除。")
    elif had_extras:
        text = _("保存期限已满，反映人的姓名、电话、身份证号及对接系统附带的地址、坐标、电子邮箱、图片链接已删除，"
                 "%(n)s 条办理记录中的个人信息已去除。")
    else:
        text = _("保存期限已满，反映人的姓名、电话、身份证号已删除，%(n)s 条办理记录中的个人信息已去除。")
    _log(case, TimelineEntry.Kind.ERASURE, author, text % {"n": entries})
    logger.info("personal data erased from case %s", case.tracking_number)
    return case
