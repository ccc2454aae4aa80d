"""Every write on the case desk.

Each service is keyword-only, runs in one transaction, validates with
``full_clean()`` and appends an audit ``TimelineEntry`` with its author, so a
failure leaves nothing half-saved and every change can be traced.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import identity, selectors
from cases.models import (
    Case,
    CaseMerge,
    ClassDeadlinePolicy,
    Classification,
    DeadlineExtension,
    Dispatch,
    MissingMaterial,
    Rectification,
    ReturnVisit,
    ServiceHall,
    TimelineEntry,
)
from cases.workdays import add_working_days

logger = logging.getLogger(__name__)

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


# --- helpers ----------------------------------------------------------------


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
    entry.full_clean()
    entry.save()
    return entry


def _save_case(case: Case, fields: list[str]) -> Case:
    """Save and bump the version, so a form loaded before this change is detected as stale."""
    case.version += 1
    case.full_clean(exclude=["tracking_number"])
    case.save(update_fields=[*fields, "version", "updated_at"])
    return case


def _locked(case: Case) -> Case:
    # Re-read under a row lock so two coordinators acting at once serialise.
    return Case.objects.select_for_update().get(pk=case.pk)


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
            data["reporter_id_number"] = identity.normalize_resident_id(data["reporter_id_number"])
        except ValidationError as exc:
            errors["reporter_id_number"] = exc.messages
    if data.get("credit_code"):
        try:
            data["credit_code"] = identity.normalize_credit_code(data["credit_code"])
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


# --- intake -----------------------------------------------------------------

INTAKE_FIELDS = (
    "channel",
    "hall",
    "district",
    "reporter_type",
    "reporter_name",
    "reporter_phone",
    "reporter_id_number",
    "enterprise_name",
    "credit_code",
    "contact_preference",
    "matter",
    "service_item",
    "counter_name",
    "counter_failure_reason",
)


@transaction.atomic
def case_register(
    *,
    author,
    channel: str,
    district=None,
    hall: ServiceHall | None = None,
    reporter_name: str,
    reporter_phone: str,
    matter: str,
    reporter_type: str = Case.ReporterType.PERSON,
    reporter_id_number: str = "",
    enterprise_name: str = "",
    credit_code: str = "",
    contact_preference: str = Case.ContactPreference.PHONE,
    service_item=None,
    counter_name: str = "",
    counter_failure_reason: str = "",
    materials: list[dict] | tuple = (),
    idempotency_key: str | None = None,
    created_at: datetime.datetime | None = None,
) -> Case:
    """受理登记: create a case with its tracking number and any 容缺 materials."""
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    if district is None and hall is not None:
        district = hall.district
    if district is None:
        raise ValidationError({"district": _("请选择所属区。")})
    _check_place(author, district=district, hall=hall)
    data = _normalize_identity(
        {
            "reporter_id_number": reporter_id_number,
            "credit_code": credit_code,
            "reporter_phone": reporter_phone,
        }
    )
    case = Case(
        channel=channel,
        district=district,
        hall=hall,
        reporter_type=reporter_type,
        reporter_name=(reporter_name or "").strip(),
        enterprise_name=(enterprise_name or "").strip(),
        contact_preference=contact_preference,
        matter=(matter or "").strip(),
        service_item=service_item,
        counter_name=counter_name,
        counter_failure_reason=counter_failure_reason,
        idempotency_key=idempotency_key or None,
        created_by=author,
        created_at=created_at or timezone.now(),
        **data,
    )
    case.full_clean(exclude=["tracking_number"])
    case.save()
    # The primary key gives a gap-free, collision-free sequence without a counter table.
    case.tracking_number = f"BCS-{timezone.localtime(case.created_at).year}-{case.pk:06d}"
    case.save(update_fields=["tracking_number"])
    _log(
        case,
        TimelineEntry.Kind.REGISTERED,
        author,
        _("通过%(channel)s受理登记，编号 %(no)s。")
        % {"channel": case.get_channel_display(), "no": case.tracking_number},
        visible=True,
    )
    for material in materials:
        material_add(case=case, author=author, **material)
    logger.info("case registered %s", case.tracking_number)
    return case


def _check_place(author, *, district, hall) -> None:
    """Refuse a hall outside the district, or a place the author does not answer for:
    such a case would disappear from the author's own list the moment it is saved."""
    if hall is not None and district is not None and hall.district_id != district.pk:
        raise ValidationError({"hall": _("所选受理大厅不属于所选的区，请核对。")})
    if author is not None and not selectors.may_register_in(author, district=district, hall=hall):
        raise ValidationError(
            {"hall": _("只能登记或改到您所在的受理大厅（或本区）；其他区的事项请转交该区窗口或由协调员登记。")}
        )


@transaction.atomic
def case_update_intake(*, case: Case, author, expected_version: int, **changes) -> Case:
    """Edit the intake fields; refuses if someone else changed the case in the meantime."""
    unknown = set(changes) - set(INTAKE_FIELDS)
    if unknown:
        raise ValueError(f"not intake fields: {sorted(unknown)}")
    current = _locked(case)
    if current.version != expected_version:
        raise CaseConflictError()
    changes = _normalize_identity(dict(changes))
    if "district" in changes or "hall" in changes:
        _check_place(
            author,
            district=changes.get("district", current.district),
            hall=changes.get("hall", current.hall),
        )
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    for name, value in changes.items():
        setattr(current, name, value)
    if not changed:
        return current
    _save_case(current, changed)
    labels = "、".join(str(Case._meta.get_field(name).verbose_name) for name in changed)
    _log(current, TimelineEntry.Kind.INTAKE_UPDATE, author, _("修改了登记信息：%(f)s。") % {"f": labels})
    return current


# --- triage and dispatch ----------------------------------------------------


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
        transaction.on_commit(lambda: _mail_supervisors_escalation(case.pk))


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
    transaction.on_commit(lambda: _mail_supervisors_escalation(case.pk))
    return case


def _mail_supervisors_escalation(case_pk: int) -> None:
    case = Case.objects.get(pk=case_pk)
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


# --- notes and messages -----------------------------------------------------


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
def case_log_personal_data_export(*, cases, author, export_format: str) -> int:
    """Record on every exported case that ``author`` took its full personal data away in a file.

    The on-screen reveal is logged case by case; an export of the same data must be too.
    """
    text = _("%(user)s 导出了案件清单（%(fmt)s，含完整个人信息）。") % {
        "user": _user_label(author),
        "fmt": export_format.upper(),
    }
    return _log_personal_data_use(cases, author, text)


@transaction.atomic
def case_log_reporter_lookup(*, cases, author, phone: str = "", id_number: str = "") -> int:
    """A lookup by someone's phone or ID number is a use of their personal data: each case found records it."""
    by = "、".join(label for label, value in ((_("联系电话"), phone), (_("身份证号码"), id_number)) if value)
    text = _("%(user)s 按反映人%(by)s查询到本案。") % {"user": _user_label(author), "by": by}
    return _log_personal_data_use(cases, author, text)


# --- 容缺 materials ----------------------------------------------------------


@transaction.atomic
def material_add(
    *, case: Case, author, name: str, promised_date: datetime.date, supply_method: str
) -> MissingMaterial:
    material = MissingMaterial(
        case=case, name=(name or "").strip(), promised_date=promised_date, supply_method=supply_method
    )
    material.full_clean()
    if promised_date < timezone.localdate(case.created_at):
        raise ValidationError({"promised_date": _("承诺补齐日期不能早于受理日期。")})
    material.save()
    _log(
        case,
        TimelineEntry.Kind.MATERIAL,
        author,
        _("容缺受理：%(name)s 承诺于 %(date)s 前通过%(method)s补齐。")
        % {"name": material.name, "date": promised_date.isoformat(), "method": material.get_supply_method_display()},
        visible=True,
    )
    return material


@transaction.atomic
def material_receive(*, material: MissingMaterial, author) -> MissingMaterial:
    material = MissingMaterial.objects.select_for_update().get(pk=material.pk)
    if material.status != MissingMaterial.Status.OUTSTANDING:
        raise ValidationError(_("该材料不是待补齐状态。"))
    material.status = MissingMaterial.Status.RECEIVED
    material.received_at = timezone.now()
    material.save(update_fields=["status", "received_at"])
    _log(material.case, TimelineEntry.Kind.MATERIAL, author, _("已收到容缺材料：%(n)s。") % {"n": material.name}, visible=True)
    return material


@transaction.atomic
def material_waive(*, material: MissingMaterial, author, reason: str) -> MissingMaterial:
    reason = _require(reason, _("免于提交须写明理由。"), "reason")
    material = MissingMaterial.objects.select_for_update().get(pk=material.pk)
    if material.status != MissingMaterial.Status.OUTSTANDING:
        raise ValidationError(_("该材料不是待补齐状态。"))
    material.status = MissingMaterial.Status.WAIVED
    material.waive_reason = reason
    material.full_clean()
    material.save(update_fields=["status", "waive_reason"])
    _log(
        material.case,
        TimelineEntry.Kind.MATERIAL,
        author,
        _("容缺材料 %(n)s 免于提交，理由：%(r)s") % {"n": material.name, "r": reason},
    )
    return material


# --- deadlines --------------------------------------------------------------


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


# --- closure, evaluation, archive -------------------------------------------


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


# --- 并单, case ↔ article links, 类案 (issue 5) --------------------------------


@transaction.atomic
def case_merge(*, primary: Case, duplicate: Case, author, reason: str) -> "CaseMerge":
    """并单: close ``duplicate`` into ``primary``; both timelines are kept, nothing is deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("并单必须写明理由。")})
    if primary.pk == duplicate.pk:
        raise ValidationError(_("不能把案件并入它自己。"))
    primary, duplicate = _locked(primary), _locked(duplicate)
    if CaseMerge.objects.filter(merged=duplicate).exists():
        raise ValidationError(_("该案件已并入其他案件。"))
    if CaseMerge.objects.filter(merged=primary).exists():
        raise ValidationError(_("主案件本身已并入其他案件，请并入最终的主案件。"))
    if not primary.is_open or not duplicate.is_open:
        raise ValidationError(_("已办结的案件不能并单。"))
    merge = CaseMerge(primary=primary, merged=duplicate, reason=reason, author=author)
    merge.full_clean()
    merge.save()
    duplicate.status = Case.Status.CLOSED
    duplicate.outcome = Case.Outcome.REFERRED
    duplicate.referred_to = primary.tracking_number
    duplicate.referral_reason = reason
    duplicate.resolution_summary = _("与案件 %(no)s 合并办理。") % {"no": primary.tracking_number}
    duplicate.closed_at = timezone.now()
    _save_case(
        duplicate,
        ["status", "outcome", "referred_to", "referral_reason", "resolution_summary", "closed_at"],
    )
    _log(primary, TimelineEntry.Kind.MERGE, author,
         _("并入案件 %(no)s，理由：%(r)s") % {"no": duplicate.tracking_number, "r": reason})
    _log(duplicate, TimelineEntry.Kind.MERGE, author,
         _("已并入案件 %(no)s，理由：%(r)s") % {"no": primary.tracking_number, "r": reason})
    # Tracking numbers only: the duplicate's reporter never sees the other reporter's data.
    _log(duplicate, TimelineEntry.Kind.MESSAGE_TO_REPORTER, author,
         _("您反映的事项与同类反映合并办理，请继续关注办理进度。"), visible=True)
    _save_case(primary, [])
    return merge


def _guidance_page(page):
    from knowledge.models import PolicyTransitionGuidePage, SolutionArticlePage

    page = page.specific
    if not isinstance(page, (SolutionArticlePage, PolicyTransitionGuidePage)):
        raise ValidationError(_("只能关联办事指引或政策衔接指引。"))
    return page


def _counts_as_resolved(relation: str) -> bool:
    from cases.models import CaseArticleLink

    return relation in (CaseArticleLink.Relation.RESOLVED_BY, CaseArticleLink.Relation.DRAFTED_FROM)


@transaction.atomic
def case_link_article(*, case: Case, page, author, relation: str = "resolved_by") -> "CaseArticleLink":
    """KCS "link it": record that an article resolved (or was quoted to / drafted from) a case.

    Idempotent; the article's public case count goes up once per case it resolved.
    """
    from knowledge.models import SolutionArticlePage
    from knowledge.services import article_source_count_add

    from cases.models import CaseArticleLink

    page = _guidance_page(page)
    if relation != CaseArticleLink.Relation.DRAFTED_FROM and not page.live:
        raise ValidationError(_("只能关联已发布的指引。"))
    existing = CaseArticleLink.objects.filter(case=case, page=page, relation=relation).first()
    if existing:
        return existing
    counted_before = CaseArticleLink.objects.filter(
        case=case, page=page, relation__in=["resolved_by", "drafted_from"]
    ).exists()
    link = CaseArticleLink(case=case, page=page, relation=relation, created_by=author)
    link.full_clean()
    link.save()
    if _counts_as_resolved(relation) and not counted_before and isinstance(page, SolutionArticlePage):
        article_source_count_add(page=page, delta=1)
    _log(case, TimelineEntry.Kind.ARTICLE, author,
         _("关联办事指引《%(t)s》：%(r)s") % {"t": page.title, "r": link.get_relation_display()})
    return link


def _step_lines(page) -> list[str]:
    from django.utils.html import strip_tags

    lines = []
    for block in getattr(page, "steps", None) or []:
        value = block.value
        if block.block_type == "step":
            title = (value.get("title") or "").strip()
            body = strip_tags(str(value.get("body") or "")).strip()
            where = (value.get("where") or "").strip()
            line = f"{title}：{body}" if body else title
            if where:
                line += f"（{where}）"
        else:
            line = strip_tags(str(value)).strip()
        if line:
            lines.append(line)
    return [f"{i}. {line}" for i, line in enumerate(lines, start=1)]


@transaction.atomic
def case_quote_article_steps(*, case: Case, page, author) -> TimelineEntry:
    """Quote an article's steps into a message the reporter reads on the status page."""
    from cases.models import CaseArticleLink

    page = _guidance_page(page)
    if not page.live:
        raise ValidationError(_("只能关联已发布的指引。"))
    lines = _step_lines(page)
    text = _("办理指引《%(t)s》：") % {"t": page.title}
    text = "\n".join([text, *lines]) if lines else text + (page.url or "")
    entry = case_message_reporter(case=case, author=author, text=text)
    case_link_article(case=case, page=page, author=author, relation=CaseArticleLink.Relation.QUOTED)
    return entry


@transaction.atomic
def case_flag_article(*, case: Case, page, author, reason: str):
    """KCS "flag it": the article needs review; the editors see the case's tracking number."""
    from knowledge.models import ArticleReviewFlag
    from knowledge.services import article_flag

    flag = article_flag(
        page=page, author=author, reason=reason, source=ArticleReviewFlag.Source.CASE,
        case_reference=case.tracking_number or "",
    )
    _log(case, TimelineEntry.Kind.ARTICLE, author,
         _("标记办事指引《%(t)s》需复核：%(r)s") % {"t": flag.page.title, "r": flag.reason})
    return flag


@transaction.atomic
def article_draft_from_case(*, case: Case, author):
    """起草办事指引: a de-identified draft article from a closed case, submitted into the workflow."""
    from knowledge.case_drafts import CaseForDraft, DraftMaterial, draft_from_case
    from knowledge.services import article_draft_from_case_data

    from cases.models import CaseArticleLink

    if case.status not in (Case.Status.CLOSED, Case.Status.ARCHIVED):
        raise ValidationError(_("案件办结后才能起草办事指引。"))
    dispatches = list(case.dispatches.select_related("department").order_by("role", "id"))
    departments = list(dict.fromkeys(d.department for d in dispatches if d.status != Dispatch.Status.REASSIGNED))
    materials = [
        DraftMaterial(name=m.name, can_supply_later=True, supply_method=m.get_supply_method_display())
        for m in case.materials.all()
    ]
    policies = list(case.service_item.policies.all()) if case.service_item_id else []
    draft = draft_from_case(
        CaseForDraft(
            matter=case.matter,
            resolution_summary=case.resolution_summary,
            service_item=case.service_item.name if case.service_item_id else "",
            classification=case.get_classification_display(),
            counter_failure_reason=case.counter_failure_reason,
            alternative_path=case.alternative_path,
            guidance_answer=case.guidance_answer,
            cited_rule=case.cited_rule,
            department_replies=[(d.department.name, d.reply) for d in dispatches if d.reply],
            departments=[d.name for d in departments],
            policies=[str(p) for p in policies],
            materials=materials,
            known_names=[n for n in (case.reporter_name, case.enterprise_name) if n],
        )
    )
    page = article_draft_from_case_data(
        draft=draft,
        author=author,
        case_reference=case.tracking_number or "",
        service_items=[case.service_item] if case.service_item_id else [],
        departments=departments,
        policies=policies,
        districts=[case.district],
    )
    case_link_article(case=case, page=page, author=author, relation=CaseArticleLink.Relation.DRAFTED_FROM)
    _log(case, TimelineEntry.Kind.ARTICLE, author, _("起草办事指引草稿《%(t)s》，已提交审核。") % {"t": page.title})
    return page


CLASS_CASE_WORKING_DAYS = 20


@transaction.atomic
def class_case_open(
    *, case_ids, owner_department, required_outcome: str, author, title: str = ""
) -> "ClassCase":
    """Open a 类案 for the recurring class that contains ``case_ids`` (all its members join)."""
    from cases.class_report import recurring_classes_for
    from cases.models import ClassCase

    wanted = {int(pk) for pk in case_ids}
    if not wanted:
        raise ValidationError(_("请选择案件。"))
    if owner_department is None:
        raise ValidationError({"owner_department": _("请选择牵头部门。")})
    if required_outcome not in ClassCase.RequiredOutcome.values:
        raise ValidationError({"required_outcome": _("请选择要求的成果。")})
    row = next(
        (
            r for r in recurring_classes_for(user=author)
            if r.case_class.above_threshold and wanted <= set(r.case_class.members)
        ),
        None,
    )
    if row is None:
        raise ValidationError(_("所选案件没有构成达到阈值的一类事，不能开为类案。"))
    class_case = ClassCase(
        title=(title or "").strip()[:200] or row.case_class.label[:200] or _("类案"),
        owner_department=owner_department,
        required_outcome=required_outcome,
        deadline=add_working_days(timezone.localdate(), CLASS_CASE_WORKING_DAYS),
        created_by=author,
    )
    class_case.full_clean()
    class_case.save()
    members = list(Case.objects.filter(pk__in=row.case_class.members))
    class_case.cases.set(members)
    for case in members:
        _log(case, TimelineEntry.Kind.CLASS_CASE, author,
             _("纳入类案《%(t)s》，牵头部门：%(d)s，要求成果：%(o)s。")
             % {"t": class_case.title, "d": owner_department, "o": class_case.get_required_outcome_display()})
    return class_case


@transaction.atomic
def class_case_close(*, class_case: "ClassCase", author, outcome_summary: str) -> "ClassCase":
    from cases.models import ClassCase

    outcome_summary = (outcome_summary or "").strip()
    if not outcome_summary:
        raise ValidationError({"outcome_summary": _("办结类案须写明办理成果。")})
    class_case = ClassCase.objects.select_for_update().get(pk=class_case.pk)
    if class_case.status == ClassCase.Status.CLOSED:
        raise ValidationError(_("该类案已办结。"))
    class_case.status = ClassCase.Status.CLOSED
    class_case.outcome_summary = outcome_summary
    class_case.closed_at = timezone.now()
    class_case.closed_by = author
    class_case.full_clean()
    class_case.save()
    for case in class_case.cases.all():
        _log(case, TimelineEntry.Kind.CLASS_CASE, author,
             _("类案《%(t)s》已办结：%(s)s") % {"t": class_case.title, "s": outcome_summary})
    return class_case


# --- personal-data retention (个人信息保存期限) --------------------------------------

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
    case.reporter_name = identity.ERASED_NAME
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
