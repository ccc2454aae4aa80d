"""Internal notes, messages to the reporter and the personal-data use log.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    TimelineEntry,
)
from cases.services.base import (
    _log,
    _require,
    _user_label,
)


@transaction.atomic
def case_add_note(*, case: Case, author, text: str) -> TimelineEntry:
    text = _require(text, _("备注内容不能为空。"), "text")
    return _log(case, TimelineEntry.Kind.INTERNAL_NOTE, author, text)


@transaction.atomic
def case_message_reporter(*, case: Case, author, text: str) -> TimelineEntry:
    """A message the reporter sees on the public status page."""
    text = _require(text, _("告知内容不能为空。"), "text")
    return _log(case, TimelineEntry.Kind.MESSAGE_TO_REPORTER, author, text, visible=True)


@transaction.atomic
def case_log_personal_data_view(*, case: Case, author, purpose: str = "") -> TimelineEntry:
    text = _("%(user)s 查看了完整个人信息。") % {"user": _user_label(author)}
    if purpose:
        text = _("%(user)s 查看了完整个人信息（%(purpose)s）。") % {"user": _user_label(author), "purpose": purpose}
    return _log(case, TimelineEntry.Kind.VIEW_PERSONAL_DATA, author, text)


def _log_personal_data_use(cases, author, text: str) -> int:
    """One personal-data entry on each case, in one insert (exports and lookups touch many)."""
    entries = [
        TimelineEntry(case=case, kind=TimelineEntry.Kind.VIEW_PERSONAL_DATA, author=author, text=text)
        for case in cases
    ]
    TimelineEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


@transaction.atomic
def case_log_personal_data_export(*, cases, author, export_format: str, reason: str = "") -> int:
    """Record on every exported case that ``author`` took its full personal data away in a file, and why.

    The on-screen reveal is logged case by case; an export of the same data must be too.
    """
    text = _("%(user)s 导出了案件清单（%(fmt)s，含完整个人信息）。") % {
        "user": _user_label(author),
        "fmt": export_format.upper(),
    }
    if reason.strip():
        text += _("导出事由：%(reason)s") % {"reason": reason.strip()}
    return _log_personal_data_use(cases, author, text)


@transaction.atomic
def case_log_reporter_lookup(
    *, cases, author, phone: str = "", id_number: str = "", credit_code: str = ""
) -> int:
    """A lookup by someone's phone or ID number is a use of their personal data: each case found records it."""
    by = "、".join(
        label
        for label, value in ((_("联系电话"), phone), (_("身份证号码"), id_number), (_("统一社会信用代码"), credit_code))
        if value
    )
    text = _("%(user)s 按反映人%(by)s查询到本案。") % {"user": _user_label(author), "by": by}
    return _log_personal_data_use(cases, author, text)
