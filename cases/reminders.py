"""Deadline, 容缺 and 整改 reminders by e-mail (Django's mail framework).

Subjects and bodies carry tracking numbers only, never personal data: mail
leaves the system and ends up in inboxes and logs we do not control.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.models import Case, Dispatch, MissingMaterial, Rectification

logger = logging.getLogger(__name__)


def _district_coordinators(district_id: int) -> list[str]:
    return list(
        get_user_model()
        .objects.filter(
            groups__name="研判员", is_active=True, case_profile__district_id=district_id
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _department_handlers(department_ids) -> list[str]:
    return list(
        get_user_model()
        .objects.filter(
            groups__name="部门经办人", is_active=True, case_profile__department_id__in=list(department_ids)
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _verifiers() -> list[str]:
    """督办 who may verify rectifications (permission via their group)."""
    return list(
        get_user_model()
        .objects.filter(
            groups__permissions__codename="verify_rectification",
            groups__permissions__content_type__app_label="cases",
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def send_case_reminders(today=None) -> dict[str, int]:
    """Mail coordinators, departments and verifiers about overdue / due-soon cases, 容缺 materials and 整改."""
    today = today or timezone.localdate()
    # One lookup per district (and one for the verifiers) per run, not one per case.
    coordinators = lru_cache(maxsize=None)(_district_coordinators)
    verifiers = lru_cache(maxsize=None)(_verifiers)
    by_recipient: dict[str, list[str]] = defaultdict(list)
    counts = {"overdue": 0, "due_soon": 0, "materials": 0, "rectifications": 0, "mails": 0}
    open_cases = Case.objects.all()
    for kind, qs in (
        ("overdue", selectors.overdue_cases(open_cases, today)),
        ("due_soon", selectors.due_soon_cases(open_cases, today)),
    ):
        for case in qs.only("pk", "tracking_number", "deadline", "district_id"):
            counts[kind] += 1
            line = (
                _("%(no)s 已超期（时限 %(d)s）") if kind == "overdue" else _("%(no)s 即将到期（时限 %(d)s）")
            ) % {"no": case.tracking_number, "d": case.deadline.isoformat()}
            depts = case.dispatches.filter(status=Dispatch.Status.PENDING).values_list("department_id", flat=True)
            for email in {*coordinators(case.district_id), *_department_handlers(depts)}:
                by_recipient[email].append(line)
    for material in selectors.materials_due_for_reminder(today):
        counts["materials"] += 1
        case = material.case
        line = _("%(no)s 容缺材料“%(m)s”承诺于 %(d)s 前补齐，请跟进") % {
            "no": case.tracking_number, "m": material.name, "d": material.promised_date.isoformat(),
        }
        for email in coordinators(case.district_id):
            by_recipient[email].append(line)
        with transaction.atomic():
            MissingMaterial.objects.filter(pk=material.pk).update(reminded_on=today)
            services.case_log_reminder(case=case, text=line)
    # 差评整改: overdue ones go to the district's coordinators, submitted ones to the verifiers.
    rectifications = Rectification.objects.select_related("case").filter(
        Q(status=Rectification.Status.OPEN, deadline__lt=today) | Q(status=Rectification.Status.SUBMITTED)
    )
    for rect in rectifications:
        if rect.status == Rectification.Status.OPEN:
            line = _("%(no)s 差评整改已超期（时限 %(d)s），请尽快提交整改结果") % {
                "no": rect.case.tracking_number, "d": rect.deadline.isoformat(),
            }
            recipients = coordinators(rect.case.district_id)
        else:
            line = _("%(no)s 差评整改结果已提交，待验收") % {"no": rect.case.tracking_number}
            recipients = verifiers()
        counts["rectifications"] += 1
        for email in recipients:
            by_recipient[email].append(line)
    messages = []
    for email, lines in by_recipient.items():
        subject = _("【办不成事工作台】催办提醒（%(n)d 件）") % {"n": len(lines)}
        body = "\n".join(lines) + "\n\n" + _("请登录办不成事工作台处理。")
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    if messages:
        send_mass_mail(messages, fail_silently=False)
    counts["mails"] = len(messages)
    logger.info("case reminders sent: %s", counts)
    return counts
