"""研判, 分办, 退单, 改派, answers from departments and escalation (督办).

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

import logging

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    Classification,
    Dispatch,
    TimelineEntry,
)
from cases.services.base import (
    SUPERVISOR_GROUP,
    ESCALATION_THRESHOLD,
    _log,
    _save_case,
    _locked,
    _require,
    class_deadline,
)
from cases.services.closure import case_close

logger = logging.getLogger(__name__)


@transaction.atomic
def case_triage(
    *,
    case: Case,
    author,
    classification: str,
    blocking_cause: str,
    cited_rule: str = "",
    alternative_path: str = "",
    guidance_answer: str = "",
    guidance_link: str = "",
    referred_to: str = "",
    referral_reason: str = "",
    deadline: datetime.date | None = None,
) -> Case:
    """研判: classify, record the blocking cause and set the deadline from the class default."""
    case = _locked(case)
    if case.status in (Case.Status.CLOSED, Case.Status.ARCHIVED):
        raise ValidationError(_("已办结的案件不能再研判，请先重新打开。"))
    if not blocking_cause:
        raise ValidationError({"blocking_cause": _("请选择堵点原因。")})
    case.classification = classification
    case.blocking_cause = blocking_cause
    case.cited_rule = cited_rule or ""
    case.alternative_path = alternative_path or ""
    case.guidance_answer = guidance_answer or ""
    case.guidance_link = guidance_link or ""
    case.referred_to = referred_to or ""
    case.referral_reason = referral_reason or ""
    case.deadline = deadline or class_deadline(classification)
    if case.status in (Case.Status.REGISTERED, Case.Status.REOPENED):
        case.status = Case.Status.TRIAGED
    _save_case(
        case,
        [
            "classification", "blocking_cause", "cited_rule", "alternative_path",
            "guidance_answer", "guidance_link", "referred_to", "referral_reason",
            "deadline", "status",
        ],
    )
    _log(
        case,
        TimelineEntry.Kind.STATE_CHANGE,
        author,
        _("研判为“%(cls)s”，堵点：%(cause)s，办理时限 %(deadline)s。")
        % {
            "cls": case.get_classification_display(),
            "cause": case.get_blocking_cause_display(),
            "deadline": case.deadline.isoformat(),
        },
    )
    return case


def _new_dispatch(*, case: Case, author, department, role: str, task: str, deadline=None) -> Dispatch:
    if case.dispatches.filter(department=department, status=Dispatch.Status.PENDING).exists():
        raise ValidationError(
            {"department": _("%(dept)s 已有一条办理中的分办。") % {"dept": department}}
        )
    dispatch = Dispatch(
        case=case,
        department=department,
        role=role,
        task=(task or "").strip(),
        deadline=deadline or case.deadline or class_deadline(case.classification or "difficult"),
        created_by=author,
    )
    dispatch.full_clean()
    dispatch.save()
    _log(
        case,
        TimelineEntry.Kind.ASSIGNMENT,
        author,
        _("分办至 %(dept)s（%(role)s），时限 %(deadline)s：%(task)s")
        % {
            "dept": department,
            "role": dispatch.get_role_display(),
            "deadline": dispatch.deadline.isoformat(),
            "task": dispatch.task,
        },
    )
    return dispatch


@transaction.atomic
def case_dispatch(
    *,
    case: Case,
    author,
    lead_department,
    lead_task: str,
    lead_deadline: datetime.date | None = None,
    co_departments: list[dict] | tuple = (),
) -> list[Dispatch]:
    """分办: one lead department (主办) and any co-departments (协办), each with task and deadline.

    ``co_departments`` items: ``{"department": Department, "task": str, "deadline": date | None}``.
    """
    case = _locked(case)
    if not case.classification:
        raise ValidationError(_("请先完成研判分类，再分办。"))
    if not case.is_open:
        raise ValidationError(_("已办结的案件不能分办。"))
    if case.dispatches.filter(role=Dispatch.Role.LEAD, status=Dispatch.Status.PENDING).exists():
        raise ValidationError(_("该案件已有办理中的主办部门，如需更换请使用改派。"))
    _require(lead_task, _("请填写主办部门的任务。"), "lead_task")
    seen = {lead_department.pk}
    for item in co_departments:
        if item["department"].pk in seen:
            raise ValidationError({"co_departments": _("同一部门不能重复分办。")})
        seen.add(item["department"].pk)
        _require(item.get("task"), _("请填写协办部门的任务。"), "co_departments")
    dispatches = [
        _new_dispatch(
            case=case, author=author, department=lead_department, role=Dispatch.Role.LEAD,
            task=lead_task, deadline=lead_deadline,
        )
    ]
    for item in co_departments:
        dispatches.append(
            _new_dispatch(
                case=case, author=author, department=item["department"], role=Dispatch.Role.CO,
                task=item["task"], deadline=item.get("deadline"),
            )
        )
    case.status = Case.Status.IN_PROGRESS
    _save_case(case, ["status"])
    return dispatches


def _count_transfer_and_maybe_escalate(case: Case, author) -> None:
    case.return_count += 1
    fields = ["return_count"]
    escalate = case.return_count >= ESCALATION_THRESHOLD and not case.escalated
    if escalate:
        case.escalated = True
        fields.append("escalated")
    _save_case(case, fields)
    if escalate:
        _log(
            case,
            TimelineEntry.Kind.ESCALATION,
            None,
            _("已退单或改派 %(n)d 次，自动提级督办。") % {"n": case.return_count},
        )
        _queue_escalation_mail(case.pk)


@transaction.atomic
def case_escalate(*, case: Case, author, reason: str) -> Case:
    """督办 escalates a case by hand (the automatic path is three returns/transfers)."""
    reason = _require(reason, _("提级督办必须写明理由。"), "reason")
    case = _locked(case)
    if case.escalated:
        raise ValidationError(_("该案件已提级督办。"))
    if not case.is_open:
        raise ValidationError(_("已办结的案件不能提级督办。"))
    case.escalated = True
    _save_case(case, ["escalated"])
    _log(case, TimelineEntry.Kind.ESCALATION, author, _("提级督办，理由：%(r)s") % {"r": reason})
    _queue_escalation_mail(case.pk)
    return case


def _queue_escalation_mail(case_pk: int) -> None:
    # The mail goes out from the task worker once the escalation is committed: the
    # person who escalated (or handed the case back) does not wait for the mail server.
    def enqueue():
        from cases.tasks import mail_supervisors_escalation_task

        mail_supervisors_escalation_task.enqueue(case_pk)

    transaction.on_commit(enqueue)


def mail_supervisors_escalation(*, case_pk: int) -> None:
    """Tell the 督办 group a case was escalated (run by the task worker)."""
    case = Case.objects.filter(pk=case_pk).first()
    if case is None:
        return
    recipients = list(
        get_user_model()
        .objects.filter(groups__name=SUPERVISOR_GROUP, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    # Subject and body carry the tracking number only, never personal data.
    send_mail(
        subject=_("【提级督办】案件 %(no)s") % {"no": case.tracking_number},
        message=_("案件 %(no)s 已退单或改派 %(n)d 次，已自动提级督办，请登录办不成事工作台查看。")
        % {"no": case.tracking_number, "n": case.return_count},
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    logger.info("escalation mail sent for %s", case.tracking_number)


@transaction.atomic
def dispatch_return(*, dispatch: Dispatch, author, reason: str) -> Dispatch:
    """退单: the department hands the dispatch back to the coordinator, with a reason."""
    reason = _require(reason, _("退单必须写明理由。"), "reason")
    dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    if not dispatch.case.is_open:
        # A return would silently put a closed case back into triage.
        raise ValidationError(_("案件已办结，不能再退单；如有异议请联系研判员重新打开案件。"))
    if dispatch.status != Dispatch.Status.PENDING:
        raise ValidationError(_("只有办理中的分办才能退单。"))
    dispatch.status = Dispatch.Status.RETURNED
    dispatch.returned_reason = reason
    dispatch.full_clean()
    dispatch.save(update_fields=["status", "returned_reason"])
    case = _locked(dispatch.case)
    _log(
        case,
        TimelineEntry.Kind.RETURN,
        author,
        _("%(dept)s 退单，理由：%(reason)s") % {"dept": dispatch.department, "reason": reason},
    )
    if not case.dispatches.filter(status=Dispatch.Status.PENDING).exists():
        case.status = Case.Status.TRIAGED
        _save_case(case, ["status"])
    _count_transfer_and_maybe_escalate(case, author)
    return dispatch


@transaction.atomic
def dispatch_reassign(
    *, dispatch: Dispatch, author, department, task: str = "", deadline: datetime.date | None = None
) -> Dispatch:
    """改派: replace a returned (or still pending) dispatch with one to another department."""
    dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    if dispatch.status not in (Dispatch.Status.PENDING, Dispatch.Status.RETURNED):
        raise ValidationError(_("只有办理中或已退单的分办才能改派。"))
    if department.pk == dispatch.department_id:
        raise ValidationError({"department": _("请选择另一个部门。")})
    was_pending = dispatch.status == Dispatch.Status.PENDING
    dispatch.status = Dispatch.Status.REASSIGNED
    dispatch.save(update_fields=["status"])
    case = _locked(dispatch.case)
    new = _new_dispatch(
        case=case,
        author=author,
        department=department,
        role=dispatch.role,
        task=task or dispatch.task,
        deadline=deadline or dispatch.deadline,
    )
    case.status = Case.Status.IN_PROGRESS
    _save_case(case, ["status"])
    # A return was already counted when it happened; a direct transfer counts now.
    if was_pending:
        _count_transfer_and_maybe_escalate(case, author)
    return new


@transaction.atomic
def dispatch_reply(*, dispatch: Dispatch, author, reply: str) -> Dispatch:
    reply = _require(reply, _("请填写答复内容。"), "reply")
    dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    if dispatch.status != Dispatch.Status.PENDING or not dispatch.case.is_open:
        raise ValidationError(_("该分办已不在办理中，不能答复。"))
    dispatch.reply = reply
    dispatch.replied_at = timezone.now()
    dispatch.status = Dispatch.Status.REPLIED
    dispatch.full_clean()
    dispatch.save(update_fields=["reply", "replied_at", "status"])
    case = _locked(dispatch.case)
    _log(
        case,
        TimelineEntry.Kind.REPLY,
        author,
        _("%(dept)s（%(role)s）答复：%(reply)s")
        % {"dept": dispatch.department, "role": dispatch.get_role_display(), "reply": reply},
    )
    _save_case(case, [])
    return dispatch


@transaction.atomic
def case_refer_out(*, case: Case, author, referred_to: str, referral_reason: str, resolution_summary: str) -> Case:
    """非政务服务，就地转办: classify as 非政务服务 and close as 转其他渠道 in one step.

    Only for a case nobody has triaged or dispatched yet (the clerk at the counter decides
    on the spot); both steps go on the timeline as the usual 研判 and 办结 entries.
    """
    referred_to = _require(referred_to, _("请填写转至的渠道或单位。"), "referred_to")
    referral_reason = _require(referral_reason, _("请填写转办理由。"), "referral_reason")
    resolution_summary = _require(resolution_summary, _("请填写告知反映人的内容。"), "resolution_summary")
    case = _locked(case)
    if case.status != Case.Status.REGISTERED or case.dispatches.exists():
        raise ValidationError(_("只有尚未研判、分办的案件才能就地转办，请由研判员处理。"))
    case = case_triage(
        case=case, author=author, classification=Classification.OUT_OF_SCOPE,
        blocking_cause=Case.BlockingCause.OTHER, referred_to=referred_to, referral_reason=referral_reason,
    )
    return case_close(case=case, author=author, outcome=Case.Outcome.REFERRED, resolution_summary=resolution_summary)
