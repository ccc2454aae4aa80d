"""Every staff action on a case, declared once.

Order matters: it is the order of the forms on the case page.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import forms as f
from cases import selectors, services
from cases.actions.base import CASE_RUNNER_PERMS, CaseAction, pending_dispatches_for_user
from cases.models import Case, DeadlineExtension, Dispatch, MissingMaterial, Rectification

CLOSED = (Case.Status.CLOSED, Case.Status.ARCHIVED)


def _open(user, case) -> bool:
    return case.is_open


def _closed(user, case) -> bool:
    return case.status in CLOSED


def _lead_pending(case) -> bool:
    return case.dispatches.filter(role=Dispatch.Role.LEAD, status=Dispatch.Status.PENDING).exists()


def _any_pending(case) -> bool:
    return case.dispatches.filter(status=Dispatch.Status.PENDING).exists()


def _outstanding(case) -> bool:
    return case.materials.filter(status=MissingMaterial.Status.OUTSTANDING).exists()


def _data(data: dict, *names) -> dict:
    return {name: data[name] for name in names}


def _extension_allowed(user, case) -> bool:
    if not case.is_open:
        return False
    if any(user.has_perm(p) for p in CASE_RUNNER_PERMS):
        return True
    # A department asks for more time only while it still owes an answer.
    return pending_dispatches_for_user(user, case).exists()


def _ready_to_close(case) -> bool:
    return (
        case.is_open and bool(case.classification) and case.status != Case.Status.REGISTERED
        and not _any_pending(case) and not _outstanding(case)
        and (case.status == Case.Status.IN_PROGRESS or case.dispatches.exists()
             or case.classification in ("dont_know", "cannot", "out_of_scope", "expedite"))
    )


def _department_kwargs(user, case) -> dict:
    return {"dispatches": pending_dispatches_for_user(user, case)}


def _merge_kwargs(user, case) -> dict:
    visible = selectors.visible_cases_for(user)
    return {
        "candidates": visible.filter(status__in=selectors.OPEN_STATUSES),
        "visible": visible,
        "suggestions": selectors.possible_duplicates_of(user, case),
    }


ACTIONS: tuple[CaseAction, ...] = (
    CaseAction(
        name="edit_intake", label=gettext_lazy("修改登记信息"), permission="cases.change_case",
        when=_open, inline=False,
    ),
    CaseAction(
        name="triage", label=gettext_lazy("研判分类"), permission="cases.triage_case",
        form=f.TriageForm, when=_open,
        perform=lambda case, user, d: services.case_triage(case=case, author=user, **d),
        next_when=lambda case: case.status in (Case.Status.REGISTERED, Case.Status.REOPENED),
    ),
    CaseAction(
        # On-the-spot referral: the window clerk decides 非政务服务 and refers it out in one step.
        name="refer", label=gettext_lazy("非政务服务，就地转办"), permission="cases.refer_case",
        form=f.ReferForm,
        when=lambda user, case: case.status == Case.Status.REGISTERED and not case.dispatches.exists(),
        done=lambda case: (
            _("该案件已转其他渠道并办结。") if case.outcome == Case.Outcome.REFERRED and not case.is_open else None
        ),
        perform=lambda case, user, d: services.case_refer_out(case=case, author=user, **d),
    ),
    CaseAction(
        name="dispatch", label=gettext_lazy("分办"), permission="cases.triage_case",
        form=f.DispatchForm, when=_open, has_work=lambda case: not _lead_pending(case),
        done=lambda case: (
            _("该案件已有办理中的主办部门，无需再次分办；如需更换请使用改派。") if _lead_pending(case) else None
        ),
        perform=lambda case, user, d: services.case_dispatch(case=case, author=user, **f.DispatchForm.service_kwargs_from(d)),
        next_when=lambda case: (
            case.status == Case.Status.TRIAGED and case.classification != "out_of_scope"
            and not _any_pending(case) and not case.dispatches.filter(status=Dispatch.Status.REPLIED).exists()
        ),
    ),
    CaseAction(
        name="reply", label=gettext_lazy("部门答复"), permission=None, form=f.ReplyForm,
        form_kwargs=_department_kwargs,
        perform=lambda case, user, d: services.dispatch_reply(dispatch=d["dispatch"], author=user, reply=d["reply"]),
        next_when=_any_pending,
    ),
    CaseAction(
        name="return", label=gettext_lazy("退单"), permission=None, form=f.ReturnForm,
        form_kwargs=_department_kwargs,
        perform=lambda case, user, d: services.dispatch_return(dispatch=d["dispatch"], author=user, reason=d["reason"]),
    ),
    CaseAction(
        name="reassign", label=gettext_lazy("改派"), permission="cases.triage_case", form=f.ReassignForm,
        when=_open,
        has_work=lambda case: case.dispatches.filter(
            status__in=[Dispatch.Status.PENDING, Dispatch.Status.RETURNED]
        ).exists(),
        perform=lambda case, user, d: services.dispatch_reassign(
            dispatch=d["dispatch"], author=user, **_data(d, "department", "task", "deadline")
        ),
        next_when=lambda case: (
            case.dispatches.filter(status=Dispatch.Status.RETURNED).exists() and not _any_pending(case)
        ),
    ),
    CaseAction(
        name="note", label=gettext_lazy("内部备注"), permission="cases.add_timelineentry", form=f.TextForm,
        changes_case=False,
        perform=lambda case, user, d: services.case_add_note(case=case, author=user, text=d["text"]),
    ),
    CaseAction(
        name="message", label=gettext_lazy("告知反映人"), permission="cases.change_case", form=f.TextForm,
        changes_case=False,
        perform=lambda case, user, d: services.case_message_reporter(case=case, author=user, text=d["text"]),
    ),
    CaseAction(
        name="material_add", label=gettext_lazy("登记容缺材料"), permission="cases.add_missingmaterial",
        form=f.MaterialAddForm, when=_open,
        perform=lambda case, user, d: services.material_add(case=case, author=user, **d),
    ),
    CaseAction(
        name="material_receive", label=gettext_lazy("材料已补齐"), permission="cases.change_missingmaterial",
        form=f.MaterialReceiveForm, has_work=_outstanding,
        done=lambda case: None if _outstanding(case) else _("该案件的容缺材料已全部补齐或免于提交。"),
        perform=lambda case, user, d: services.material_receive(material=d["material"], author=user),
        next_when=lambda case: case.is_open and _outstanding(case),
    ),
    CaseAction(
        name="material_waive", label=gettext_lazy("材料免于提交"), permission="cases.change_missingmaterial",
        form=f.MaterialWaiveForm, has_work=_outstanding,
        done=lambda case: None if _outstanding(case) else _("该案件的容缺材料已全部补齐或免于提交。"),
        perform=lambda case, user, d: services.material_waive(material=d["material"], author=user, reason=d["reason"]),
    ),
    CaseAction(
        name="extension_request", label=gettext_lazy("申请延期"), permission="cases.add_deadlineextension",
        form=f.ExtensionRequestForm, when=_extension_allowed,
        perform=lambda case, user, d: services.extension_request(case=case, author=user, **d),
    ),
    CaseAction(
        name="extension_decide", label=gettext_lazy("审批延期"), permission="cases.decide_extension",
        form=f.ExtensionDecideForm,
        has_work=lambda case: case.extensions.filter(status=DeadlineExtension.Status.PENDING).exists(),
        perform=lambda case, user, d: services.extension_decide(extension=d["extension"], author=user, approve=d["approve"]),
        next_when=lambda case: case.extensions.filter(status=DeadlineExtension.Status.PENDING).exists(),
    ),
    CaseAction(
        name="close", label=gettext_lazy("办结"), permission="cases.close_case", form=f.CloseForm, when=_open,
        done=lambda case: None if case.is_open else _("该案件已办结，无需再次办结。"),
        perform=lambda case, user, d: services.case_close(
            case=case, author=user, **_data(d, "outcome", "resolution_summary")
        ),
        next_when=_ready_to_close,
    ),
    CaseAction(
        name="rate", label=gettext_lazy("登记好差评"), permission="cases.close_case", form=f.RateForm,
        when=_closed, has_work=lambda case: case.rating is None,
        done=lambda case: _("该案件已评价。") if case.rating is not None else None,
        perform=lambda case, user, d: services.case_rate(case=case, author=user, rating=d["rating"], comment=d["comment"]),
        next_when=lambda case: case.status in CLOSED and case.rating is None,
    ),
    CaseAction(
        name="return_visit", label=gettext_lazy("回访"), permission="cases.close_case", form=f.ReturnVisitForm,
        when=_closed,
        perform=lambda case, user, d: services.return_visit_record(case=case, author=user, **d),
        next_when=lambda case: (
            case.status in CLOSED and case.rating is not None and not case.return_visits.exists()
        ),
    ),
    CaseAction(
        name="rectification", label=gettext_lazy("提交整改结果"), permission="cases.change_rectification",
        form=f.RectificationForm,
        when=lambda user, case: case.rectifications.filter(status=Rectification.Status.OPEN).exists(),
        perform=lambda case, user, d: services.rectification_submit(
            rectification=d["rectification"], author=user, result=d["result"]
        ),
        next_when=lambda case: case.rectifications.filter(status=Rectification.Status.OPEN).exists(),
    ),
    CaseAction(
        name="rectification_verify", label=gettext_lazy("验收整改"), permission="cases.verify_rectification",
        form=f.RectificationVerifyForm,
        # Four eyes: someone else submitted it.
        when=lambda user, case: case.rectifications.filter(
            status=Rectification.Status.SUBMITTED
        ).exclude(submitted_by=user).exists(),
        perform=lambda case, user, d: services.rectification_verify(
            rectification=d["rectification"], author=user, accepted=d["accepted"], note=d["note"]
        ),
        next_when=lambda case: case.rectifications.filter(status=Rectification.Status.SUBMITTED).exists(),
    ),
    CaseAction(
        name="escalate", label=gettext_lazy("提级督办"), permission="cases.escalate_case", form=f.ReasonForm,
        when=_open, has_work=lambda case: not case.escalated,
        done=lambda case: _("该案件已提级督办。") if case.escalated else None,
        perform=lambda case, user, d: services.case_escalate(case=case, author=user, reason=d["reason"]),
    ),
    CaseAction(
        name="merge", label=gettext_lazy("并单"), permission="cases.triage_case", form=f.MergeForm, when=_open,
        form_kwargs=_merge_kwargs,
        perform=lambda case, user, d: services.case_merge(
            primary=case, duplicate=d["duplicate"], author=user, reason=d["reason"]
        ),
    ),
    CaseAction(
        name="link_article", label=gettext_lazy("关联办事指引（该指引解决了本案）"),
        permission="cases.add_casearticlelink", form=f.ArticleChoiceForm, changes_case=False,
        perform=lambda case, user, d: services.case_link_article(case=case, page=d["page"], author=user),
    ),
    CaseAction(
        name="quote_article", label=gettext_lazy("引用指引步骤告知反映人"),
        permission="cases.add_casearticlelink", form=f.ArticleChoiceForm, changes_case=False,
        when=lambda user, case: case.is_open and user.has_perm("cases.change_case"),
        perform=lambda case, user, d: services.case_quote_article_steps(case=case, page=d["page"], author=user),
    ),
    CaseAction(
        name="flag_article", label=gettext_lazy("标记指引需复核"), permission="cases.add_timelineentry",
        form=f.FlagArticleForm, changes_case=False,
        perform=lambda case, user, d: services.case_flag_article(
            case=case, page=d["page"], author=user, reason=d["reason"]
        ),
    ),
    CaseAction(
        name="draft_article", label=gettext_lazy("起草办事指引"), permission="cases.draft_article_from_case",
        form=f.ConfirmForm, when=_closed,
        perform=lambda case, user, d: services.article_draft_from_case(case=case, author=user),
    ),
    CaseAction(
        name="reopen", label=gettext_lazy("重新打开"), permission="cases.close_case", form=f.ReasonForm,
        when=_closed,
        done=lambda case: _("该案件尚未办结，无需重新打开。") if case.is_open else None,
        perform=lambda case, user, d: services.case_reopen(case=case, author=user, reason=d["reason"]),
    ),
    CaseAction(
        name="archive", label=gettext_lazy("归档"), permission="cases.close_case", form=f.ConfirmForm,
        when=lambda user, case: case.status == Case.Status.CLOSED,
        done=lambda case: _("该案件已归档。") if case.status == Case.Status.ARCHIVED else None,
        perform=lambda case, user, d: services.case_archive(case=case, author=user),
    ),
)

BY_NAME: dict[str, CaseAction] = {action.name: action for action in ACTIONS}
