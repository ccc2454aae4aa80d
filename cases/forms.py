"""Forms for the case desk (staff actions) and the public report/status pages.

Forms only parse and validate input; the services do the work.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.personal_data import CreditCodeField, ResidentIdField
from kernel.text import plain_text
from cases.models import (
    Case,
    ClassCase,
    Classification,
    DeadlineExtension,
    Dispatch,
    MissingMaterial,
    Rectification,
    ReturnVisit,
    ServiceHall,
)
from cases.selectors import (
    OPEN_STATUSES,
    catalogue_lead_department,
    dispatch_labels,
    pending_dispatches,
    registration_places_for,
)
from cases.services import normalize_phone
from knowledge.models import Department, District, ServiceItem

MATTER_MAX = 2000
TEXT_MAX = 2000
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class DeadlineField(forms.DateField):
    """A deadline set from today on: a date already past makes a case overdue on the spot."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DATE_WIDGET)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        today = timezone.localdate()
        if value and value < today:
            raise forms.ValidationError(
                _("时限不能早于今天（%(today)s），请核对日期。") % {"today": today.isoformat()}, code="past"
            )


def set_required_messages(form: forms.Form) -> None:
    """Say which field is missing, in words a counter clerk or citizen understands."""
    for field in form.fields.values():
        label = str(field.label or "").rstrip("：:")
        if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
            field.error_messages["required"] = _("请选择“%(f)s”。") % {"f": label}
        else:
            field.error_messages["required"] = _("请填写“%(f)s”。") % {"f": label}


class RequiredMessageMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_required_messages(self)


class PlainTextField(forms.CharField):
    """Free text as typed (``kernel.text.plain_text``): templates escape it when it is shown.

    Cleaned before the required and length checks, so text of nothing but control
    characters counts as empty and the limit counts what will be stored.
    """

    single_line = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", TEXT_MAX)
        kwargs.setdefault("widget", forms.TextInput if self.single_line else forms.Textarea(attrs={"rows": 3}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return plain_text(super().to_python(value), single_line=self.single_line)


class PlainLineField(PlainTextField):
    """One line of text as typed: names, titles, short labels."""

    single_line = True


class IntakeFieldsMixin(RequiredMessageMixin, forms.Form):
    # 对接系统 is set only by a case filed through an API key, never picked by staff.
    channel = forms.ChoiceField(
        label=_("反映渠道"), choices=[c for c in Case.Channel.choices if c[0] != Case.Channel.SYSTEM]
    )
    hall = forms.ModelChoiceField(label=_("受理大厅"), queryset=ServiceHall.objects.all(), required=False)
    district = forms.ModelChoiceField(
        label=_("所属区"), queryset=District.objects.all(), required=False,
        help_text=_("选择了受理大厅时可不填。"),
    )
    reporter_type = forms.ChoiceField(label=_("反映人类型"), choices=Case.ReporterType.choices)
    reporter_name = PlainLineField(label=_("反映人姓名"), max_length=50)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20)
    reporter_id_number = ResidentIdField(required=False, help_text=_("18 位身份证号码；15 位旧号码会自动转换为 18 位。"))
    enterprise_name = PlainLineField(label=_("企业名称"), max_length=150, required=False)
    credit_code = CreditCodeField(required=False)
    contact_preference = forms.ChoiceField(label=_("联系方式偏好"), choices=Case.ContactPreference.choices)
    matter = PlainTextField(label=_("反映事项"), max_length=MATTER_MAX, help_text=_("尽量记录反映人自己的表述。"))
    service_item = forms.ModelChoiceField(label=_("所办事项"), queryset=ServiceItem.objects.all(), required=False)
    counter_name = PlainLineField(label=_("未办成的窗口"), max_length=100, required=False)
    counter_failure_reason = PlainTextField(label=_("未办成原因"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Offer only places the user answers for; the service enforces the same rule.
            districts, halls = registration_places_for(user)
            if districts is not None:
                self.fields["district"].queryset = districts
                self.fields["hall"].queryset = halls

    def clean(self):
        data = super().clean()
        if not data.get("hall") and not data.get("district"):
            self.add_error("district", _("请选择受理大厅或所属区。"))
        if data.get("reporter_type") == Case.ReporterType.ENTERPRISE and not data.get("enterprise_name"):
            self.add_error("enterprise_name", _("企业反映请填写企业名称。"))
        return data


class CaseRegisterForm(IntakeFieldsMixin):
    # The service reports a 容缺 material's errors under the material's own field names.
    service_field_names = {
        "name": "material_name", "promised_date": "material_promised_date", "supply_method": "material_supply_method",
    }

    material_name = PlainLineField(label=_("容缺材料名称"), max_length=150, required=False)
    material_promised_date = forms.DateField(label=_("承诺补齐日期"), required=False, widget=DATE_WIDGET)
    material_supply_method = forms.ChoiceField(
        label=_("补齐方式"), choices=[("", "---------"), *MissingMaterial.SupplyMethod.choices], required=False
    )
    # 并单 at the counter: the open case a repeat report goes into (set by the duplicates panel
    # or the repeat warning's button; the view checks the user may see it).
    merge_into = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)
    # Asked only when saving would repeat a case of the same reporter with the same text.
    confirm_repeat = forms.BooleanField(
        label=_("确认不是重复登记，仍要另行登记"), required=False,
    )

    def clean_merge_into(self):
        # The warning's 并单 button and the hidden field share the name: the last value chosen wins.
        values = [v.strip() for v in self.data.getlist(self.add_prefix("merge_into")) if v.strip()] \
            if hasattr(self.data, "getlist") else []
        if not values:
            return None
        if not (values[-1].isascii() and values[-1].isdigit()) or int(values[-1]) < 1:  # "²" too
            # A hidden field's error would show nowhere: said above the form instead.
            raise forms.ValidationError(_("要并入的案件无效，请重新选择或直接登记。"))
        return int(values[-1])

    def clean(self):
        data = super().clean()
        if "merge_into" in self.errors:
            self.add_error(None, self.errors.pop("merge_into"))
        if data.get("material_name"):
            if not data.get("material_promised_date"):
                self.add_error("material_promised_date", _("请填写容缺材料的承诺补齐日期。"))
            if not data.get("material_supply_method"):
                self.add_error("material_supply_method", _("请选择容缺材料的补齐方式。"))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("merge_into", None)
        data.pop("confirm_repeat", None)
        materials = []
        name = data.pop("material_name", "")
        promised = data.pop("material_promised_date", None)
        method = data.pop("material_supply_method", "")
        if name:
            materials.append({"name": name, "promised_date": promised, "supply_method": method})
        data["materials"] = materials
        return data


class ReporterLookupForm(RequiredMessageMixin, forms.Form):
    """来电查询: a returning citizen's earlier cases, by the phone or ID number they give.

    POSTed, so the number never lands in a URL or an access log.
    """

    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    reporter_id_number = ResidentIdField(required=False)

    def clean_reporter_phone(self):
        value = self.cleaned_data["reporter_phone"]
        return normalize_phone(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("reporter_phone") and not data.get("reporter_id_number"):
            raise forms.ValidationError(_("请填写联系电话或身份证号码。"))
        return data


class CaseIntakeEditForm(IntakeFieldsMixin):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A case filed through an integrating system keeps that channel when staff correct it.
        if self.initial.get("channel") == Case.Channel.SYSTEM:
            self.fields["channel"].choices = Case.Channel.choices


# --- staff actions ----------------------------------------------------------


class CaseActionForm(forms.Form):
    def __init__(self, *args, case: Case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def add_record_choice(self, name: str, label, queryset) -> None:
        """The first field: which of this case's dispatches, materials … the action is about.

        With a single candidate it is chosen already: staff should not have to
        pick the only 整改 or 分办 there is.
        """
        records = list(queryset[:2])
        field = forms.ModelChoiceField(label=label, queryset=queryset)
        if len(records) == 1:
            field.initial = records[0].pk
            field.empty_label = None
        self.fields[name] = field
        self.order_fields([name])

    def full_clean(self):
        # Subclasses add fields in __init__, so set the messages just before cleaning.
        set_required_messages(self)
        super().full_clean()


class TriageForm(CaseActionForm):
    classification = forms.ChoiceField(label=_("分类"), choices=Classification.choices)
    blocking_cause = forms.ChoiceField(label=_("堵点原因"), choices=Case.BlockingCause.choices)
    cited_rule = PlainTextField(label=_("依据的法律法规（办不了）"), required=False)
    alternative_path = PlainTextField(label=_("替代途径（办不了）"), required=False)
    guidance_answer = PlainTextField(label=_("政策解答（不会办）"), required=False)
    guidance_link = PlainLineField(label=_("指引链接（不会办）"), max_length=300, required=False)
    referred_to = PlainLineField(label=_("转至渠道（非政务服务）"), max_length=150, required=False)
    referral_reason = PlainTextField(label=_("转出理由（非政务服务）"), required=False)
    deadline = DeadlineField(
        label=_("办理时限"), required=False,
        help_text=_("留空按分类默认工作日计算。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Without a blank choice the first option (办不了 / 新老政策衔接) stood preselected and
        # a 研判员 who only picked the class saved a cause nobody chose. A re-triage starts
        # from what the case has.
        for name, choices in (("classification", Classification.choices),
                              ("blocking_cause", Case.BlockingCause.choices)):
            self.fields[name].choices = [("", _("请选择")), *choices]
            self.fields[name].initial = getattr(self.case, name) or ""


class DispatchForm(CaseActionForm):
    lead_department = forms.ModelChoiceField(label=_("主办部门"), queryset=Department.objects.all())
    lead_task = PlainTextField(label=_("主办任务"))
    lead_deadline = DeadlineField(label=_("主办时限"), required=False)
    co1_department = forms.ModelChoiceField(label=_("协办部门一"), queryset=Department.objects.all(), required=False)
    co1_task = PlainTextField(label=_("协办任务一"), required=False)
    co1_deadline = DeadlineField(label=_("协办时限一"), required=False)
    co2_department = forms.ModelChoiceField(label=_("协办部门二"), queryset=Department.objects.all(), required=False)
    co2_task = PlainTextField(label=_("协办任务二"), required=False)
    co2_deadline = DeadlineField(label=_("协办时限二"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Start from the service catalogue's department; the 研判员 can still choose another.
        department, note = catalogue_lead_department(
            service_item=self.case.service_item, district=self.case.district
        )
        if department is not None:
            field = self.fields["lead_department"]
            field.initial = department.pk
            field.help_text = note or _("已按事项目录预选「%(item)s」的实施部门。") % {"item": self.case.service_item}

    def clean(self):
        data = super().clean()
        for prefix in ("co1", "co2"):
            if data.get(f"{prefix}_department") and not data.get(f"{prefix}_task"):
                self.add_error(f"{prefix}_task", _("请填写协办部门的任务。"))
        return data

    def service_kwargs(self) -> dict:
        return self.service_kwargs_from(self.cleaned_data)

    @staticmethod
    def service_kwargs_from(data: dict) -> dict:
        co = []
        for prefix in ("co1", "co2"):
            if data.get(f"{prefix}_department"):
                co.append(
                    {
                        "department": data[f"{prefix}_department"],
                        "task": data[f"{prefix}_task"],
                        "deadline": data.get(f"{prefix}_deadline"),
                    }
                )
        return {
            "lead_department": data["lead_department"],
            "lead_task": data["lead_task"],
            "lead_deadline": data.get("lead_deadline"),
            "co_departments": co,
        }


class DispatchChoiceMixin(CaseActionForm):
    dispatch_statuses = (Dispatch.Status.PENDING,)

    def __init__(self, *args, dispatches=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = dispatches if dispatches is not None else self.case.dispatches.all()
        self.add_record_choice("dispatch", _("分办"), qs.filter(status__in=self.dispatch_statuses))
        # On the case's own page its number only pushed the department and role out of the
        # narrow select; the deadline tells a lead's and a co-department's dispatch apart.
        self.fields["dispatch"].label_from_instance = lambda d: _("%(dept)s · %(role)s · 时限 %(deadline)s") % {
            "dept": d.department, "role": d.get_role_display(),
            "deadline": d.deadline.isoformat(),
        }


class ReturnForm(DispatchChoiceMixin):
    reason = PlainTextField(label=_("退单理由"))


class ReplyForm(DispatchChoiceMixin):
    reply = PlainTextField(label=_("答复内容"))


class ReassignForm(DispatchChoiceMixin):
    dispatch_statuses = (Dispatch.Status.PENDING, Dispatch.Status.RETURNED)
    department = forms.ModelChoiceField(label=_("改派至"), queryset=Department.objects.all())
    task = PlainTextField(label=_("任务（留空沿用原任务）"), required=False)
    deadline = DeadlineField(label=_("时限（留空沿用原时限）"), required=False)


class TextForm(CaseActionForm):
    text = PlainTextField(label=_("内容"))


class MaterialAddForm(CaseActionForm):
    name = PlainLineField(label=_("材料名称"), max_length=150)
    promised_date = forms.DateField(label=_("承诺补齐日期"), widget=DATE_WIDGET)
    # A blank first choice: 电话 stood preselected and was saved for materials nobody asked about.
    supply_method = forms.ChoiceField(
        label=_("补齐方式"), choices=[("", _("请选择")), *MissingMaterial.SupplyMethod.choices]
    )


class MaterialChoiceMixin(CaseActionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_record_choice(
            "material", _("容缺材料"), self.case.materials.filter(status=MissingMaterial.Status.OUTSTANDING)
        )


class MaterialReceiveForm(MaterialChoiceMixin):
    pass


class MaterialWaiveForm(MaterialChoiceMixin):
    reason = PlainTextField(label=_("免于提交理由"))


class ExtensionRequestForm(CaseActionForm):
    new_deadline = DeadlineField(label=_("申请延至"))
    reason = PlainTextField(label=_("延期理由"))


class ExtensionDecideForm(CaseActionForm):
    approve = forms.TypedChoiceField(
        label=_("审批意见"), choices=[("1", _("批准")), ("0", _("不批准"))], coerce=lambda v: v == "1"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_record_choice(
            "extension", _("延期申请"), self.case.extensions.filter(status=DeadlineExtension.Status.PENDING)
        )


class CloseForm(CaseActionForm):
    outcome = forms.ChoiceField(label=_("办理结果"), choices=Case.Outcome.choices)
    resolution_summary = PlainTextField(label=_("办理情况说明（反映人可见）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pending = list(pending_dispatches(self.case))
        self.warning = ""
        if pending:
            # Say it before the click, and have it acknowledged: closing withdraws these
            # dispatches from the departments' queues.
            labels = dispatch_labels(pending)
            self.warning = _("仍有部门未答复：%(d)s。办结后这些分办将一并撤回。") % {"d": labels}
            self.fields["confirm_withdraw"] = forms.BooleanField(
                label=_("我已知晓，办结并撤回 %(d)s 的分办") % {"d": labels}, required=False,
            )

    def clean(self):
        data = super().clean()
        if self.warning and not data.pop("confirm_withdraw", False):
            self.add_error("confirm_withdraw", _("仍有部门未答复，请勾选确认撤回其分办后再办结。"))
        return data


class ReferForm(CaseActionForm):
    """非政务服务，就地转办: where the citizen should go instead, and why, in one step."""

    referred_to = PlainLineField(label=_("转至渠道或单位"), max_length=150,
                                  help_text=_("例如：12345 市民服务热线、物业公司、街道办事处。"))
    referral_reason = PlainTextField(label=_("转办理由"))
    resolution_summary = PlainTextField(label=_("告知反映人（反映人可见）"))


class RateForm(CaseActionForm):
    rating = forms.TypedChoiceField(label=_("评价"), choices=Case.Rating.choices, coerce=int)
    comment = PlainTextField(label=_("评价意见"), required=False, max_length=1000)


class ReturnVisitForm(CaseActionForm):
    method = forms.ChoiceField(label=_("回访方式"), choices=ReturnVisit.Method.choices)
    notes = PlainTextField(label=_("回访情况"))


class RectificationForm(CaseActionForm):
    result = PlainTextField(label=_("整改结果"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_record_choice(
            "rectification", _("整改任务"), self.case.rectifications.filter(status=Rectification.Status.OPEN)
        )


class RectificationVerifyForm(CaseActionForm):
    accepted = forms.TypedChoiceField(
        label=_("验收意见"),
        choices=[("1", _("验收通过")), ("0", _("退回重新整改"))],
        coerce=lambda v: v == "1",
    )
    note = PlainTextField(label=_("意见说明（退回时必填）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_record_choice(
            "rectification", _("整改任务"), self.case.rectifications.filter(status=Rectification.Status.SUBMITTED)
        )


def guidance_pages():
    from wagtail.models import Page

    from knowledge.models import PolicyTransitionGuidePage, SolutionArticlePage

    return Page.objects.live().type(SolutionArticlePage, PolicyTransitionGuidePage).order_by("title")


class MergeForm(CaseActionForm):
    """并单: a short list of this case's possible duplicates, or the 案件编号 of any other
    open case the user may handle — never a list of every open case (thousands at a district)."""

    reason = PlainTextField(label=_("并单理由"))

    def __init__(self, *args, candidates=None, visible=None, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        none = Case.objects.none()
        # Open cases the user may handle: the only ones a typed number resolves to.
        self.candidates = (candidates if candidates is not None else none).exclude(pk=self.case.pk)
        self.visible = visible if visible is not None else none
        if suggestions:
            self.fields["duplicate"] = forms.ChoiceField(
                label=_("疑似重复案件"), required=False, widget=forms.RadioSelect,
                choices=[(str(c.pk), f"{c.tracking_number}（{c.get_status_display()}）：{why}") for c, why in suggestions],
                error_messages={"invalid_choice": _("该案件已不在疑似重复案件之列，请刷新页面后重新选择。")},
            )
        self.suggested = bool(suggestions)
        self.fields["tracking_number"] = forms.CharField(
            # "或…" only when there is a list above to choose from instead.
            label=_("或输入重复案件编号") if suggestions else _("重复案件编号"), required=False, max_length=200,
            help_text=(
                _("须为您可处理的未办结案件，例如 BCS-2026-000123。") if suggestions
                else _("未发现本案的疑似重复案件。请输入重复案件的案件编号，例如 BCS-2026-000123。")
            ),
            error_messages={"max_length": _("编号不存在或您无权处理。")},
        )
        self.order_fields(["duplicate", "tracking_number"])

    def clean(self):
        data = super().clean()
        if "tracking_number" in self.errors or "duplicate" in self.errors:
            return data
        chosen = data.get("duplicate") or ""
        typed = unicodedata.normalize("NFKC", data.get("tracking_number") or "").strip().upper()
        if chosen and typed:
            raise forms.ValidationError(_("请在疑似重复案件中选择一件，或输入一个案件编号，不要同时填写。"))
        if not chosen and not typed:
            raise forms.ValidationError(
                _("请选择疑似重复案件，或输入重复案件编号。") if self.suggested else _("请输入重复案件编号。")
            )
        if chosen:
            duplicate = self.candidates.filter(pk=chosen).first()
            if duplicate is None:
                self.add_error("duplicate", _("该案件已办结或已并单，不能再并入本案。"))
        elif typed == (self.case.tracking_number or "").upper():
            duplicate = None
            self.add_error("tracking_number", _("不能并入本案自身。"))
        else:
            duplicate = self.candidates.filter(tracking_number=typed).first()
            if duplicate is None:
                # A case the user may see but that is closed says so; any other number, in
                # another scope or none at all, gets the one message: no oracle of numbers.
                closed = self.visible.filter(tracking_number=typed).exclude(status__in=OPEN_STATUSES).exists()
                self.add_error(
                    "tracking_number", _("已办结的案件不能并单。") if closed else _("编号不存在或您无权处理。")
                )
        data["duplicate"] = duplicate
        return data


class ArticleChoiceForm(CaseActionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page"] = forms.ModelChoiceField(label=_("办事指引"), queryset=guidance_pages())
        self.order_fields(["page"])


class FlagArticleForm(ArticleChoiceForm):
    reason = PlainTextField(label=_("需复核的原因（内容有误/需更新）"))


class ReasonForm(CaseActionForm):
    reason = PlainTextField(label=_("理由"))


class ConfirmForm(CaseActionForm):
    pass


class PersonalDataExportForm(RequiredMessageMixin, forms.Form):
    """The reason and the confirmation asked before a file with full personal data is made."""

    reason = PlainTextField(
        label=_("导出事由"), max_length=200, min_length=4,
        help_text=_("例如：向区政务服务中心报送本月台账。事由将记入每件导出案件的办理记录。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("我确认导出含反映人完整姓名、电话和身份证号码的文件，并按个人信息保护要求保管、用后删除。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["min_length"] = _("请写明导出事由（至少 4 个字）。")
        self.fields["confirm"].error_messages["required"] = _("请勾选确认后再导出。")


# --- public -----------------------------------------------------------------


class PublicReportForm(RequiredMessageMixin, forms.Form):
    reporter_type = forms.ChoiceField(
        label=_("您是"), choices=Case.ReporterType.choices, initial=Case.ReporterType.PERSON,
        widget=forms.RadioSelect,
    )
    reporter_name = PlainLineField(label=_("姓名"), max_length=50)
    reporter_phone = forms.CharField(
        label=_("联系电话"), max_length=20,
        help_text=_("手机号码或带区号的固定电话，用于联系您；查询办理进度时需要填写其后四位。"),
    )
    reporter_id_number = ResidentIdField(required=False, label=_("身份证号码（选填）"))
    enterprise_name = PlainLineField(label=_("企业名称（企业填写）"), max_length=150, required=False)
    credit_code = CreditCodeField(required=False, label=_("统一社会信用代码（选填）"))
    district = forms.ModelChoiceField(
        label=_("所在区"), queryset=District.objects.all(), empty_label=_("请选择所在区")
    )
    matter = PlainTextField(
        label=_("遇到了什么事办不成？"), max_length=MATTER_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MATTER_MAX}),
    )
    counter_failure_reason = PlainTextField(label=_("窗口是怎么答复您的？（选填）"), required=False, max_length=1000)
    # Honeypot: hidden from people by CSS, bots fill it in.
    website = forms.CharField(label=_("网站"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=60)  # stored as "web:" + key

    def clean_reporter_phone(self):
        # The service's own rule, checked here too so its error comes with the other fields' errors.
        return normalize_phone(self.cleaned_data["reporter_phone"])

    def clean_matter(self):
        value = self.cleaned_data["matter"]
        if len(value) < 5:
            raise forms.ValidationError(_("请把事情说得具体一些（至少 5 个字）。"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("reporter_type") == Case.ReporterType.ENTERPRISE and not data.get("enterprise_name"):
            self.add_error("enterprise_name", _("企业反映请填写企业名称。"))
        return data


class StatusLookupForm(RequiredMessageMixin, forms.Form):
    tracking_number = forms.CharField(label=_("受理编号"), max_length=20, help_text=_("例如 BCS-2026-000123"))
    phone_last4 = forms.RegexField(
        label=_("联系电话后四位"), regex=r"^\d{4}$", max_length=4,
        error_messages={"invalid": _("请输入联系电话的后四位数字。")},
    )


class PublicRateForm(RequiredMessageMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("您对办理结果满意吗？"), choices=Case.Rating.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = PlainTextField(label=_("意见建议（选填）"), required=False, max_length=1000)


class ClassCaseOpenForm(RequiredMessageMixin, forms.Form):
    """“开为类案” on the 一类事 report: which class (its case ids), who owns it, what must come out."""

    case_ids = forms.CharField(widget=forms.HiddenInput)
    title = PlainLineField(label=_("类案名称"), max_length=200, required=False)
    owner_department = forms.ModelChoiceField(label=_("牵头部门"), queryset=Department.objects.all())
    required_outcome = forms.ChoiceField(label=_("要求的成果"), choices=ClassCase.RequiredOutcome.choices)

    def clean_case_ids(self):
        try:
            ids = [int(x) for x in self.cleaned_data["case_ids"].split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError(_("案件编号不正确。"))
        if not ids:
            raise forms.ValidationError(_("请选择要并为类案的案件。"))
        return ids


class ClassCaseCloseForm(RequiredMessageMixin, forms.Form):
    outcome_summary = PlainTextField(label=_("办理成果（规则修改、指南修订、纳入容缺清单或新指引）"))


class StatisticsFilterForm(RequiredMessageMixin, forms.Form):
    """Period and district of the 工作统计 report. Always bound (GET): empty dates are
    filled with this year, so the first visit shows figures and the fields say for when."""

    MAX_DAYS = 3 * 366

    date_from = forms.DateField(label=_("受理日期自"), widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("至"), widget=DATE_WIDGET)
    district = forms.ModelChoiceField(label=_("区"), queryset=District.objects.all(), required=False,
                                      empty_label=_("全部（本人负责范围）"))

    def __init__(self, data, *, today, **kwargs):
        data = data.copy()
        for name, default in (("date_from", today.replace(month=1, day=1)), ("date_to", today)):
            if not data.get(name):
                data[name] = default.isoformat()
        super().__init__(data, **kwargs)
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _("请输入有效日期，例如 2026-01-31。")

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", _("结束日期不能早于开始日期。"))
            elif (date_to - date_from).days > self.MAX_DAYS:
                self.add_error("date_from", _("统计区间最长三年，请缩短区间。"))
        return data
