"""办结, 好差评, 整改, 回访, reopening and archiving.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors
from cases.models import (
    Case,
    Dispatch,
    MissingMaterial,
    Rectification,
    ReturnVisit,
    TimelineEntry,
)
from cases.services.base import (
    RECTIFICATION_WORKING_DAYS,
    _log,
    _save_case,
    _locked,
    _require,
)
from cases.trends import facts as trend_facts
from cases.workdays import add_working_days


def _outstanding_materials_error(case: Case) -> ValidationError | None:
    names = list(
        case.materials.filter(status=MissingMaterial.Status.OUTSTANDING).values_list("name", flat=True)
    )
    if names:
        return ValidationError(
            _("仍有容缺材料未补齐：%(names)s。请先登记补齐，或写明理由免于提交。")
            % {"names": "、".join(names)},
            code="materials_outstanding",
        )
    return None


@transaction.atomic
def case_close(*, case: Case, author, outcome: str, resolution_summary: str) -> Case:
    """办结: record the outcome and a plain-language summary the reporter will read."""
    resolution_summary = _require(resolution_summary, _("请用通俗的语言写明办理情况。"), "resolution_summary")
    case = _locked(case)
    if not case.is_open:
        raise ValidationError(_("该案件已办结。"))
    if not case.classification:
        raise ValidationError(_("请先完成研判分类，再办结。"))
    if outcome not in Case.Outcome.values:
        raise ValidationError({"outcome": _("请选择办理结果。")})
    error = _outstanding_materials_error(case)
    if error:
        raise error
    case.outcome = outcome
    case.resolution_summary = resolution_summary
    case.status = Case.Status.CLOSED
    case.closed_at = timezone.now()
    _save_case(case, ["outcome", "resolution_summary", "status", "closed_at"])
    _log(
        case,
        TimelineEntry.Kind.STATE_CHANGE,
        author,
        _("已办结，结果：%(o)s。%(s)s") % {"o": case.get_outcome_display(), "s": resolution_summary},
        visible=True,
    )
    _withdraw_pending_dispatches(case, author)
    return case


def _withdraw_pending_dispatches(case: Case, author) -> None:
    """Closing ends the coordination: unanswered dispatches leave the departments' queues
    (otherwise they stay in 我的待办 and count as overdue forever)."""
    pending = list(selectors.pending_dispatches(case).select_for_update(of=("self",)))
    if not pending:
        return
    Dispatch.objects.filter(pk__in=[d.pk for d in pending]).update(status=Dispatch.Status.WITHDRAWN)
    trend_facts.refresh_dispatch_ids([d.pk for d in pending])  # update() sends no signal
    names = selectors.dispatch_labels(pending)
    _log(case, TimelineEntry.Kind.STATE_CHANGE, author, _("案件已办结，未答复的分办随之撤回：%(d)s。") % {"d": names})


@transaction.atomic
def case_rate(*, case: Case, rating: int, comment: str = "", author=None) -> Case:
    """好差评 from the reporter; 不满意/非常不满意 opens a 整改 task with its own deadline."""
    case = _locked(case)
    if case.status not in (Case.Status.CLOSED, Case.Status.ARCHIVED):
        raise ValidationError(_("案件办结后才能评价。"))
    if case.rating is not None:
        raise ValidationError(_("该案件已评价，感谢您的反馈。"))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in Case.Rating.values:
        raise ValidationError({"rating": _("请选择评价等级。")})
    case.rating = rating
    case.rating_comment = (comment or "").strip()[:1000]
    _save_case(case, ["rating", "rating_comment"])
    _log(
        case,
        TimelineEntry.Kind.RATING,
        author,
        _("反映人评价：%(r)s。%(c)s") % {"r": case.get_rating_display(), "c": case.rating_comment},
    )
    if rating <= Case.Rating.DISSATISFIED:
        rectification = Rectification(
            case=case,
            reason=_("差评：%(r)s。%(c)s") % {"r": case.get_rating_display(), "c": case.rating_comment},
            deadline=add_working_days(timezone.localdate(), RECTIFICATION_WORKING_DAYS),
        )
        rectification.full_clean()
        rectification.save()
        _log(
            case,
            TimelineEntry.Kind.RECTIFICATION,
            None,
            _("因差评开启整改，整改时限 %(d)s。") % {"d": rectification.deadline.isoformat()},
        )
    return case


@transaction.atomic
def rectification_submit(*, rectification: Rectification, author, result: str) -> Rectification:
    """The responsible side reports what it changed; the rectification waits for 验收."""
    result = _require(result, _("请填写整改结果。"), "result")
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.status != Rectification.Status.OPEN:
        raise ValidationError(_("该整改已提交或已完成，不能再次提交。"))
    rectification.status = Rectification.Status.SUBMITTED
    rectification.result = result
    rectification.submitted_by = author
    rectification.submitted_at = timezone.now()
    rectification.full_clean()
    rectification.save(update_fields=["status", "result", "submitted_by", "submitted_at"])
    _log(rectification.case, TimelineEntry.Kind.RECTIFICATION, author,
         _("提交整改结果，待验收：%(r)s") % {"r": result})
    return rectification


@transaction.atomic
def rectification_verify(*, rectification: Rectification, author, accepted: bool, note: str = "") -> Rectification:
    """验收: a 督办 other than the submitter accepts the result, or returns it with a reason."""
    note = (note or "").strip()
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.status != Rectification.Status.SUBMITTED:
        raise ValidationError(_("该整改不在待验收状态。"))
    if author is not None and rectification.submitted_by_id == getattr(author, "pk", None):
        raise ValidationError(_("不能验收自己提交的整改结果，请由其他督办人员验收。"))
    if not accepted and not note:
        raise ValidationError({"note": _("退回重新整改必须写明理由。")})
    rectification.verified_by = author
    rectification.verified_at = timezone.now()
    rectification.verification_note = note
    if accepted:
        rectification.status = Rectification.Status.DONE
        message = _("整改验收通过。%(n)s") % {"n": note}
    else:
        rectification.status = Rectification.Status.OPEN
        rectification.return_count += 1
        message = _("整改验收未通过，退回重新整改：%(n)s") % {"n": note}
    rectification.full_clean()
    rectification.save(update_fields=[
        "status", "verified_by", "verified_at", "verification_note", "return_count",
    ])
    _log(rectification.case, TimelineEntry.Kind.RECTIFICATION, author, message.strip())
    return rectification


@transaction.atomic
def return_visit_record(*, case: Case, author, method: str, notes: str) -> ReturnVisit:
    notes = _require(notes, _("请填写回访情况。"), "notes")
    case = _locked(case)
    if case.status not in (Case.Status.CLOSED, Case.Status.ARCHIVED):
        raise ValidationError(_("案件办结后才能回访。"))
    visit = ReturnVisit(case=case, visited_by=author, method=method, notes=notes)
    visit.full_clean()
    visit.save()
    _log(case, TimelineEntry.Kind.RETURN_VISIT, author, _("%(m)s回访：%(n)s") % {"m": visit.get_method_display(), "n": notes})
    return visit


@transaction.atomic
def case_reopen(*, case: Case, author, reason: str) -> Case:
    reason = _require(reason, _("重新打开必须写明理由。"), "reason")
    case = _locked(case)
    if case.status not in (Case.Status.CLOSED, Case.Status.ARCHIVED):
        raise ValidationError(_("只有已办结或已归档的案件才能重新打开。"))
    case.status = Case.Status.REOPENED
    case.closed_at = None
    case.archived_at = None
    _save_case(case, ["status", "closed_at", "archived_at"])
    _log(case, TimelineEntry.Kind.STATE_CHANGE, author, _("重新打开，理由：%(r)s") % {"r": reason}, visible=True)
    return case


@transaction.atomic
def case_archive(*, case: Case, author) -> Case:
    """案例归档: the case enters the staff case library."""
    case = _locked(case)
    if case.status != Case.Status.CLOSED:
        raise ValidationError(_("只有已办结的案件才能归档。"))
    error = _outstanding_materials_error(case)
    if error:
        raise error
    case.status = Case.Status.ARCHIVED
    case.archived_at = timezone.now()
    _save_case(case, ["status", "archived_at"])
    _log(case, TimelineEntry.Kind.STATE_CHANGE, author, _("已归档，进入案例库。"))
    return case


@transaction.atomic
def case_log_reminder(*, case: Case, text: str) -> TimelineEntry:
    return _log(case, TimelineEntry.Kind.REMINDER, None, text)
