"""Helpers every case service shares: audit log, versioned save, row lock, identifiers.

Part of :mod:`cases.services`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    ClassDeadlinePolicy,
    Classification,
    TimelineEntry,
)
from cases.workdays import add_working_days
from kernel import personal_data

SUPERVISOR_GROUP = "督办"
ESCALATION_THRESHOLD = 3
RECTIFICATION_WORKING_DAYS = 10
DEFAULT_CLASS_DAYS = {
    Classification.EXPEDITE: 2,
    Classification.DONT_KNOW: 3,
    Classification.CANNOT: 5,
    Classification.DIFFICULT: 10,
    Classification.OUT_OF_SCOPE: 1,
}
CONFLICT_MESSAGE = "该案件已被他人修改，请刷新后重试"

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class CaseConflictError(ValidationError):
    """Raised when a case changed since the editor loaded it (optimistic concurrency)."""

    def __init__(self):
        super().__init__(_(CONFLICT_MESSAGE), code="conflict")


def normalize_phone(value: str) -> str:
    """Mobile (11 digits) or landline (area code + number); returns the plain form or raises."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    text = re.sub(r"[\s()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    text = text.replace("—", "-")
    digits_only = text.replace("-", "")
    if _MOBILE_RE.match(digits_only):
        return digits_only
    if _LANDLINE_RE.match(text):
        return text
    if not text:
        raise ValidationError(_("联系电话不能为空。"), code="phone_empty")
    raise ValidationError(
        _("联系电话格式不正确：请填写 11 位手机号码，或带区号的固定电话（如 021-12345678）。"),
        code="phone_invalid",
    )


def _log(case: Case, kind: str, author, text: str, *, visible: bool = False) -> TimelineEntry:
    entry = TimelineEntry(case=case, kind=kind, author=author, text=text, visible_to_reporter=visible)
    # The case and the author are rows in hand (the case locked by the caller): asking the
    # database whether they exist would be two queries per entry for nothing.
    entry.full_clean(exclude=["case", "author"])
    entry.save()
    return entry


def _save_case(case: Case, fields: list[str]) -> Case:
    """Save and bump the version, so a form loaded before this change is detected as stale.

    The fields written are validated (and the case's own rules in ``Case.clean``); the
    others were validated when they were written, so their foreign keys and unique
    values are not looked up again on every action."""
    case.version += 1
    written = set(fields)
    case.full_clean(exclude=[f.name for f in Case._meta.concrete_fields if f.name not in written])
    case.save(update_fields=[*fields, "version", "updated_at"])
    return case


def _locked(case: Case) -> Case:
    # Re-read under a row lock so two coordinators acting at once serialise (only the
    # case row: the hall comes along for ``Case.clean``, unlocked).
    return Case.objects.select_for_update(of=("self",)).select_related("hall").get(pk=case.pk)


def _require(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _user_label(user) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.get_username()


def class_deadline(classification: str, start: datetime.date | None = None) -> datetime.date:
    start = start or timezone.localdate()
    policy = ClassDeadlinePolicy.objects.filter(classification=classification).first()
    days = policy.working_days if policy else DEFAULT_CLASS_DAYS.get(classification, 5)
    return add_working_days(start, days)


def _normalize_identity(data: dict) -> dict:
    errors = {}
    if data.get("reporter_id_number"):
        try:
            data["reporter_id_number"] = personal_data.normalize_resident_id(data["reporter_id_number"])
        except ValidationError as exc:
            errors["reporter_id_number"] = exc.messages
    if data.get("credit_code"):
        try:
            data["credit_code"] = personal_data.normalize_credit_code(data["credit_code"])
        except ValidationError as exc:
            errors["credit_code"] = exc.messages
    if "reporter_phone" in data:
        try:
            data["reporter_phone"] = normalize_phone(data["reporter_phone"])
        except ValidationError as exc:
            errors["reporter_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return data

