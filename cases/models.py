"""The case desk: cases that could not be handled at the normal counters.

Business rules live in ``cases.services`` (writes) and ``cases.selectors``
(reads); the models only describe the records and their field-level checks.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from kernel.personal_data import is_individual_business_credit_code, redact_known_values
from knowledge.models import Department, District, ServiceItem


class ServiceHall(models.Model):
    """A government service hall (行政服务中心 / 社区事务受理服务中心)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="service_halls"
    )

    panels = [FieldPanel("name"), FieldPanel("district")]

    class Meta:
        ordering = ["district__sort_order", "name"]
        verbose_name = _("服务大厅")
        verbose_name_plural = _("服务大厅")

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """Where a staff member works; together with their groups it scopes what they see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="case_profile",
    )
    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("所在大厅"), null=True, blank=True, on_delete=models.SET_NULL
    )
    district = models.ForeignKey(
        District, verbose_name=_("所在区"), null=True, blank=True, on_delete=models.SET_NULL
    )
    department = models.ForeignKey(
        Department, verbose_name=_("所在部门"), null=True, blank=True, on_delete=models.SET_NULL
    )

    panels = [FieldPanel("user"), FieldPanel("hall"), FieldPanel("district"), FieldPanel("department")]

    class Meta:
        verbose_name = _("工作人员档案")
        verbose_name_plural = _("工作人员档案")

    def __str__(self):
        return str(self.user)


class WorkingDayOverride(models.Model):
    """A day that differs from the Monday–Friday rule: a public holiday or a 调休 working weekend day."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("是否工作日"), default=False, help_text=_("法定节假日不勾选；调休上班的周末勾选。")
    )
    note = models.CharField(_("说明"), max_length=60, blank=True)

    panels = [FieldPanel("date"), FieldPanel("is_working_day"), FieldPanel("note")]

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self):
        kind = _("上班") if self.is_working_day else _("休息")
        return f"{self.date:%Y-%m-%d} {self.note} （{kind}）"


class Classification(models.TextChoices):
    CANNOT = "cannot", _("办不了")
    DONT_KNOW = "dont_know", _("不会办")
    DIFFICULT = "difficult", _("难办")
    EXPEDITE = "expedite", _("快办")
    OUT_OF_SCOPE = "out_of_scope", _("非政务服务")


class ClassDeadlinePolicy(models.Model):
    """Default time limit per class, in working days (快办 is the shortest)."""

    classification = models.CharField(
        _("分类"), max_length=20, choices=Classification.choices, unique=True
    )
    working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))

    panels = [FieldPanel("classification"), FieldPanel("working_days")]

    class Meta:
        ordering = ["working_days"]
        verbose_name = _("分类办理时限")
        verbose_name_plural = _("分类办理时限")

    def __str__(self):
        return f"{self.get_classification_display()}：{self.working_days}"

    def clean(self):
        if not self.working_days:
            raise ValidationError({"working_days": _("办理时限至少为 1 个工作日。")})


class Case(models.Model):
    class Channel(models.TextChoices):
        COUNTER = "counter", _("窗口")
        HOTLINE = "hotline", _("热线")
        ONLINE = "online", _("在线")
        TRANSFER_12345 = "12345", _("12345转办")
        # Filed by an integrating system through the API; shown as that system's name.
        SYSTEM = "system", _("对接系统")

    class ReporterType(models.TextChoices):
        PERSON = "person", _("个人")
        ENTERPRISE = "enterprise", _("企业")

    class ContactPreference(models.TextChoices):
        PHONE = "phone", _("电话")
        SMS = "sms", _("短信")
        WECHAT = "wechat", _("微信")
        MAIL = "mail", _("邮寄")

    class BlockingCause(models.TextChoices):
        POLICY_CHANGE = "policy_change", _("新老政策衔接")
        LEGACY = "legacy", _("历史遗留问题")
        MISSING_MATERIALS = "missing_materials", _("材料缺失")
        UNCLEAR_RESPONSIBILITY = "unclear_responsibility", _("部门职责不清")
        SYSTEM = "system", _("系统限制")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("受理登记")
        TRIAGED = "triaged", _("研判分办")
        IN_PROGRESS = "in_progress", _("办理中")
        CLOSED = "closed", _("已办结")
        ARCHIVED = "archived", _("已归档")
        REOPENED = "reopened", _("重新办理")

    class Outcome(models.TextChoices):
        DONE = "done", _("办成")
        PARTIAL = "partial", _("部分办成")
        NOT_ALLOWED = "not_allowed", _("依法不能办，已告知替代途径")
        REFERRED = "referred", _("转其他渠道")

    class Rating(models.IntegerChoices):
        VERY_SATISFIED = 5, _("非常满意")
        SATISFIED = 4, _("满意")
        NEUTRAL = 3, _("基本满意")
        DISSATISFIED = 2, _("不满意")
        VERY_DISSATISFIED = 1, _("非常不满意")

    Classification = Classification

    tracking_number = models.CharField(
        _("受理编号"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    channel = models.CharField(_("反映渠道"), max_length=20, choices=Channel.choices)
    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("受理大厅"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
    )
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="cases"
    )
    reporter_type = models.CharField(
        _("反映人类型"), max_length=20, choices=ReporterType.choices, default=ReporterType.PERSON
    )
    reporter_name = models.CharField(_("反映人姓名"), max_length=50)
    reporter_phone = models.CharField(_("联系电话"), max_length=20)
    reporter_id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    enterprise_name = models.CharField(_("企业名称"), max_length=150, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_preference = models.CharField(
        _("联系方式偏好"), max_length=20, choices=ContactPreference.choices,
        default=ContactPreference.PHONE,
    )
    matter = models.TextField(_("反映事项"), help_text=_("反映人自己的表述。"))
    service_item = models.ForeignKey(
        ServiceItem, verbose_name=_("所办事项"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="cases",
    )
    counter_name = models.CharField(_("未办成的窗口"), max_length=100, blank=True)
    counter_failure_reason = models.TextField(_("未办成原因"), blank=True)

    classification = models.CharField(
        _("分类"), max_length=20, choices=Classification.choices, blank=True
    )
    blocking_cause = models.CharField(
        _("堵点原因"), max_length=30, choices=BlockingCause.choices, blank=True
    )
    cited_rule = models.TextField(_("依据的法律法规"), blank=True)
    alternative_path = models.TextField(_("替代途径"), blank=True)
    guidance_answer = models.TextField(_("政策解答"), blank=True)
    guidance_link = models.CharField(_("指引链接"), max_length=300, blank=True)
    referred_to = models.CharField(_("转至渠道"), max_length=150, blank=True)
    referral_reason = models.TextField(_("转出理由"), blank=True)

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    escalated = models.BooleanField(_("已提级督办"), default=False)
    return_count = models.PositiveSmallIntegerField(_("退单/改派次数"), default=0)

    outcome = models.CharField(_("办理结果"), max_length=20, choices=Outcome.choices, blank=True)
    resolution_summary = models.TextField(_("办理情况说明"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("好差评"), choices=Rating.choices, null=True, blank=True
    )
    rating_comment = models.TextField(_("评价意见"), blank=True)

    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    api_key = models.ForeignKey(
        "cases.ApiKey", verbose_name=_("提交密钥"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases", editable=False, help_text=_("经接口提交的案件记下所用的密钥，便于审计。"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    personal_data_erased_at = models.DateTimeField(
        _("个人信息删除时间"), null=True, blank=True, editable=False,
        help_text=_("归档满保存期限后，反映人的个人信息被删除的时间。"),
    )
    # The matter as roles without personal-data rights read it, kept beside the original so
    # their searches match what they see, never a phone or ID number they see masked.
    matter_deidentified = models.TextField(_("反映事项（去标识化）"), blank=True, editable=False)
    # What an integrating system sent that a case has no field for (address, coordinates,
    # e-mail, photo link: cases.open311). Kept as values, not only as the filing note's text,
    # so de-identification and erasure know exactly what to take out wherever it was quoted.
    filing_extras = models.JSONField(
        _("接口附带信息"), default=dict, blank=True, editable=False,
        help_text=_("对接系统提交案件时附带的地址、坐标、电子邮箱、图片链接；保存期限满后与其他个人信息一并删除。"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        # No delete permission: cases are never deleted, only closed and archived.
        default_permissions = ("add", "change", "view")
        # Scope and action permissions; the groups migration hands them out per role.
        permissions = [
            ("view_all_cases", _("查看全部案件")),
            ("view_district_cases", _("查看本区案件")),
            ("view_hall_cases", _("查看本大厅案件")),
            ("view_department_cases", _("查看分办给本部门的案件")),
            ("view_personal_data", _("查看完整个人信息")),
            ("triage_case", _("研判分办")),
            ("refer_case", _("非政务服务就地转办")),
            ("reply_dispatch", _("答复或退回分办")),
            ("close_case", _("办结、回访、归档")),
            ("decide_extension", _("审批延期")),
            ("export_cases", _("导出案件")),
            ("import_cases", _("导入历史台账")),
            ("escalate_case", _("提级督办")),
            ("view_case_library", _("查看案例库（已办结案件）")),
            ("draft_article_from_case", _("从案件起草办事指引")),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return self.tracking_number or _("（未编号案件）")

    # Fields the de-identified matter is computed from.
    DEIDENTIFIED_SOURCES = frozenset(
        {"matter", "reporter_name", "reporter_phone", "reporter_id_number", "tracking_number", "filing_extras",
         "enterprise_name", "credit_code"}
    )
    # filing_extras key -> what stands in for its value in de-identified text.
    FILING_EXTRA_PLACEHOLDERS = {
        "address": "【地址】", "coordinates": "【坐标】", "lat": "【坐标】", "long": "【坐标】",
        "email": "【邮箱】", "media_url": "【图片链接】",
    }

    def filing_extra_values(self) -> list[tuple[str, str]]:
        """(value, placeholder) for each personal value an integrating system sent."""
        extras = self.filing_extras or {}
        values = {str(extras[k]): p for k, p in self.FILING_EXTRA_PLACEHOLDERS.items() if extras.get(k)}
        # People quote part of an address ("我家在虹口区曲阳路近赤峰路口"): each longer piece goes too.
        for piece in re.split(r"[\s,，。;；:：、&<>\"'“”‘’()（）\[\]【】/\\|·-]+", str(extras.get("address") or "")):
            if len(piece) >= 4:
                values.setdefault(piece, "【地址】")
        if extras.get("lat") and extras.get("long"):
            # The filing note writes the pair as "31.26, 121.48".
            values[f"{extras['lat']}, {extras['long']}"] = "【坐标】"
        return list(values.items())

    def sole_trader_values(self) -> list[tuple[str, str]]:
        """(value, placeholder) for a 个体工商户's name and credit code: a code starting with 92
        is a natural person's business, so both are that person's data; a company's stay."""
        if not is_individual_business_credit_code(self.credit_code or ""):
            return []
        return [(self.enterprise_name or "", "【个体工商户名称】"), (self.credit_code, "【统一社会信用代码】")]

    def deidentify_text(self, text: str) -> str:
        """``text`` with this case's reporter identifiers and any personal-data pattern replaced
        (the case's own tracking number stays: it is on the page already)."""
        return redact_known_values(
            text,
            name=self.reporter_name,
            phone=self.reporter_phone,
            id_number=self.reporter_id_number,
            others=[*self.filing_extra_values(), *self.sole_trader_values()],
            keep=self.tracking_number or "",
        )

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.DEIDENTIFIED_SOURCES & set(update_fields):
            self.matter_deidentified = self.deidentify_text(self.matter)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "matter_deidentified"}
        super().save(*args, **kwargs)

    def get_channel_display(self) -> str:
        """A case filed through an integrating system shows that system's name as its channel."""
        if self.channel == self.Channel.SYSTEM and self.api_key_id:
            return self.api_key.system.name
        return str(dict(self.Channel.choices).get(self.channel, self.channel))

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.ARCHIVED)

    def clean(self):
        errors = {}
        if self.reporter_type == self.ReporterType.ENTERPRISE and not self.enterprise_name:
            errors["enterprise_name"] = _("企业反映请填写企业名称。")
        if self.classification == Classification.CANNOT:
            if not self.cited_rule.strip():
                errors["cited_rule"] = _("“办不了”须写明依据的法律法规。")
            if not self.alternative_path.strip():
                errors["alternative_path"] = _("“办不了”须告知替代途径。")
        if self.classification == Classification.DONT_KNOW and not self.guidance_answer.strip():
            errors["guidance_answer"] = _("“不会办”须给出政策解答。")
        if self.classification == Classification.OUT_OF_SCOPE:
            if not self.referred_to.strip():
                errors["referred_to"] = _("“非政务服务”须写明转至何处。")
            if not self.referral_reason.strip():
                errors["referral_reason"] = _("“非政务服务”须写明转出理由。")
        if self.hall_id and self.district_id and self.hall.district_id != self.district_id:
            errors["hall"] = _("受理大厅不属于所选的区。")
        if errors:
            raise ValidationError(errors)


class Dispatch(models.Model):
    """One department's share of a case (主办 or 协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        CO = "co", _("协办")

    class Status(models.TextChoices):
        PENDING = "pending", _("办理中")
        REPLIED = "replied", _("已答复")
        RETURNED = "returned", _("已退单")
        REASSIGNED = "reassigned", _("已改派")
        # The case was closed before this department answered: nothing is left for it to do.
        WITHDRAWN = "withdrawn", _("已撤回（案件已办结）")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="dispatches")
    department = models.ForeignKey(
        Department, verbose_name=_("承办部门"), on_delete=models.PROTECT, related_name="case_dispatches"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    task = models.TextField(_("任务"))
    deadline = models.DateField(_("答复时限"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    reply = models.TextField(_("答复"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    returned_reason = models.TextField(_("退单理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("分办时间"), default=timezone.now)

    class Meta:
        ordering = ["deadline", "id"]
        # "Is anything still pending on this case (for this department)?" is asked by every
        # action; without it SQLite walks the department's whole dispatch list instead.
        indexes = [
            models.Index(fields=["case", "department", "status"], name="cases_disp_case_dept_status"),
            # A department's cases ("case in this department's dispatches", every 部门经办人 page)
            # off the index alone: the department index sent each of its rows to the wide table.
            models.Index(fields=["department", "case"], name="cases_disp_dept_case"),
        ]
        verbose_name = _("分办")
        verbose_name_plural = _("分办")

    def __str__(self):
        return f"{self.case} · {self.department} · {self.get_role_display()}"


class TimelineEntryQuerySet(models.QuerySet):
    # Bulk paths would bypass save()/delete(); the timeline is append-only.
    def update(self, **kwargs):
        raise PermissionError("Timeline entries are immutable.")

    def redact_text(self, redact) -> int:
        """The one change the timeline allows: personal data taken out of the text when the
        retention period ends (the law outranks the audit trail; the erasure itself is a
        new entry). ``redact`` maps old text to new; returns how many entries changed."""
        changed = 0
        for pk, text in self.values_list("pk", "text"):
            new = redact(text)
            if new != text:
                super(TimelineEntryQuerySet, TimelineEntry.objects.filter(pk=pk)).update(text=new)
                changed += 1
        return changed

    def delete(self):
        raise PermissionError("Timeline entries are immutable.")


class TimelineEntry(models.Model):
    """An immutable, timestamped record of something that happened to a case."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("受理登记")
        INTAKE_UPDATE = "intake_update", _("修改登记信息")
        STATE_CHANGE = "state_change", _("状态变更")
        ASSIGNMENT = "assignment", _("分办")
        RETURN = "return", _("退单")
        REPLY = "reply", _("部门答复")
        ESCALATION = "escalation", _("提级督办")
        INTERNAL_NOTE = "internal_note", _("内部备注")
        MESSAGE_TO_REPORTER = "message", _("告知反映人")
        MATERIAL = "material", _("容缺材料")
        EXTENSION = "extension", _("延期")
        RATING = "rating", _("好差评")
        RECTIFICATION = "rectification", _("整改")
        RETURN_VISIT = "return_visit", _("回访")
        VIEW_PERSONAL_DATA = "view_personal_data", _("查看个人信息")
        REMINDER = "reminder", _("催办提醒")
        MERGE = "merge", _("并单")
        ARTICLE = "article", _("办事指引")
        CLASS_CASE = "class_case", _("类案")
        ERASURE = "erasure", _("删除个人信息")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    text = models.TextField(_("内容"))
    visible_to_reporter = models.BooleanField(_("反映人可见"), default=False)

    objects = TimelineEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        default_permissions = ("add", "view")

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Timeline entries are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Timeline entries are immutable.")


class MissingMaterial(models.Model):
    """A material accepted as missing under 容缺受理, to be supplied later."""

    class SupplyMethod(models.TextChoices):
        PHONE = "phone", _("电话")
        WECHAT = "wechat", _("微信")
        MAIL = "mail", _("邮寄")
        ON_SITE = "on_site", _("现场")

    class Status(models.TextChoices):
        OUTSTANDING = "outstanding", _("待补齐")
        RECEIVED = "received", _("已补齐")
        WAIVED = "waived", _("已免于提交")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="materials")
    name = models.CharField(_("材料名称"), max_length=150)
    promised_date = models.DateField(_("承诺补齐日期"))
    supply_method = models.CharField(_("补齐方式"), max_length=20, choices=SupplyMethod.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OUTSTANDING)
    waive_reason = models.TextField(_("免于提交理由"), blank=True)
    received_at = models.DateTimeField(_("补齐时间"), null=True, blank=True)
    reminded_on = models.DateField(_("最近提醒日期"), null=True, blank=True)

    class Meta:
        ordering = ["promised_date", "id"]
        verbose_name = _("容缺材料")
        verbose_name_plural = _("容缺材料")

    def __str__(self):
        return self.name

    def clean(self):
        if self.status == self.Status.WAIVED and not self.waive_reason.strip():
            raise ValidationError({"waive_reason": _("免于提交须写明理由。")})


class DeadlineExtension(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="extensions")
    reason = models.TextField(_("延期理由"))
    new_deadline = models.DateField(_("申请延至"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self):
        return f"{self.case} → {self.new_deadline}"


class Rectification(models.Model):
    """整改: opened automatically when a reporter gives a 差评.

    The responsible side submits what it changed; a 督办 who did not submit it
    verifies (验收) and either accepts it or returns it with a reason.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        SUBMITTED = "submitted", _("待验收")
        DONE = "done", _("已整改")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="rectifications")
    reason = models.TextField(_("整改原因"))
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("整改结果"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("验收人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    verification_note = models.TextField(_("验收意见"), blank=True)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)

    class Meta:
        ordering = ["deadline"]
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        permissions = [("verify_rectification", _("验收整改"))]

    def __str__(self):
        return f"{self.case} {self.get_status_display()}"


class ReturnVisit(models.Model):
    class Method(models.TextChoices):
        PHONE = "phone", _("电话")
        VISIT = "visit", _("上门")
        ONLINE = "online", _("线上")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="return_visits")
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("回访时间"), default=timezone.now)
    method = models.CharField(_("回访方式"), max_length=20, choices=Method.choices)
    notes = models.TextField(_("回访情况"))

    class Meta:
        ordering = ["-visited_at"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self):
        return f"{self.case} {self.visited_at:%Y-%m-%d}"


class CaseArticleLink(models.Model):
    """Case ↔ article (KCS "link it"): which guidance resolved, was quoted to, or was drafted from a case."""

    class Relation(models.TextChoices):
        RESOLVED_BY = "resolved_by", _("该指引解决了本案")
        QUOTED = "quoted", _("已引用步骤告知反映人")
        DRAFTED_FROM = "drafted_from", _("由本案起草")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="article_links")
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("指引"), on_delete=models.CASCADE, related_name="case_links"
    )
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("案件与指引关联")
        verbose_name_plural = _("案件与指引关联")
        constraints = [
            models.UniqueConstraint(fields=["case", "page", "relation"], name="cases_article_link_unique")
        ]

    def __str__(self):
        return f"{self.case} → {self.page_id} ({self.get_relation_display()})"


class CaseMerge(models.Model):
    """并单: a duplicate merged into a primary case; both timelines are kept."""

    primary = models.ForeignKey(Case, verbose_name=_("主案件"), on_delete=models.PROTECT, related_name="merges_in")
    merged = models.OneToOneField(
        Case, verbose_name=_("被并案件"), on_delete=models.PROTECT, related_name="merged_into"
    )
    reason = models.TextField(_("并单理由"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("并单")
        verbose_name_plural = _("并单")

    def __str__(self):
        return f"{self.merged} → {self.primary}"


class ClassCase(models.Model):
    """类案: a recurring class of cases tracked to a structural outcome ("办成一类事")."""

    class RequiredOutcome(models.TextChoices):
        RULE_CHANGE = "rule_change", _("修改规则")
        GUIDELINE_FIX = "guideline_fix", _("修订办事指南")
        RONGQUE_LIST = "rongque_list_addition", _("纳入容缺受理清单")
        NEW_ARTICLE = "new_article", _("编写办事指引")

    class Status(models.TextChoices):
        OPEN = "open", _("待办理")
        IN_PROGRESS = "in_progress", _("办理中")
        CLOSED = "closed", _("已办结")

    title = models.CharField(_("类案名称"), max_length=200)
    owner_department = models.ForeignKey(
        Department, verbose_name=_("牵头部门"), on_delete=models.PROTECT, related_name="class_cases"
    )
    required_outcome = models.CharField(_("要求的成果"), max_length=30, choices=RequiredOutcome.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField(_("办理时限"))
    outcome_summary = models.TextField(_("办理成果"), blank=True)
    cases = models.ManyToManyField(Case, verbose_name=_("案件"), related_name="class_cases")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("类案")
        verbose_name_plural = _("类案")

    def __str__(self):
        return self.title


class GuideVisit(models.Model):
    """A reader opened a guide offered by the report form's 提交前看看 (deflection).

    Nothing about the reader or what they typed: only when, and whether the same
    browser session went on to submit a report anyway.
    """

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    reported = models.BooleanField(_("随后仍提交了反映"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("指引分流记录")
        verbose_name_plural = _("指引分流记录")
        default_permissions = ()

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class CaseTrendFact(models.Model):
    """The figures 统计分析 and 数据公开 read of one case, in a narrow row with its local days.

    A summary kept beside the case (``cases.trends.facts``): refreshed in the same
    transaction whenever the case is saved, rebuilt by ``manage.py rebuild_case_trends``.
    Grouping 100,000 wide case rows by a computed local day took seconds; these rows
    carry the day and are grouped through covering indexes. Never shown on its own.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="trend_fact")
    # The local (settings.TIME_ZONE) calendar day of registration, and of closing for a
    # closed case (办结 or 归档 with a closing time); a reopened case has no closing day.
    created_day = models.DateField()
    closed_day = models.DateField(null=True)
    closed = models.BooleanField(default=False)  # status 办结 or 归档
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    hall = models.ForeignKey(ServiceHall, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+")
    channel = models.CharField(max_length=20)
    classification = models.CharField(max_length=20)
    blocking_cause = models.CharField(max_length=30)
    outcome = models.CharField(max_length=20)
    rating = models.PositiveSmallIntegerField(null=True)
    deadline = models.DateField(null=True)
    escalated = models.BooleanField(default=False)
    return_count = models.PositiveSmallIntegerField(default=0)
    # Working days from registration to closing on the holiday calendar (closed cases only);
    # a change of the calendar refreshes the facts of the cases open across that day.
    working_days = models.PositiveIntegerField(null=True)

    # Case fields a fact is made of: a save touching none of them leaves the fact alone.
    SOURCES = frozenset({"created_at", "closed_at", "status", "district", "district_id", "hall", "hall_id",
                         "channel", "classification", "blocking_cause", "outcome", "rating", "deadline",
                         "escalated", "return_count"})

    class Meta:
        default_permissions = ()
        indexes = [
            # Registration-keyed figures: grouped by day (then class and cause) straight off the index.
            # The case comes last: on SQLite a bigint key is no rowid alias, so an index without
            # it sent every counted row (and every "case in …" test) to the table, 3 times slower.
            models.Index(fields=["created_day", "classification", "blocking_cause", "district", "hall", "channel",
                                 "closed", "closed_day", "deadline", "escalated", "return_count", "case"],
                         name="cases_fact_created_case"),
            # Closing-keyed figures: outcome, working days (registration day), rating.
            models.Index(fields=["closed_day", "outcome", "rating", "working_days", "district", "hall", "channel",
                                 "classification", "created_day", "case"], name="cases_fact_closed_case"),
        ]


class DispatchTrendFact(models.Model):
    """The figures 统计分析's department table reads of one dispatch, in a narrow row.

    Kept beside the dispatch like ``CaseTrendFact`` beside the case (``cases.trends.facts``):
    refreshed whenever a dispatch is saved or its status changed in bulk, rebuilt by
    ``manage.py rebuild_case_trends``. Joining 122,000 wide dispatch rows (task and reply
    texts) to the cases of a period took seconds; these rows are read off one index.
    """

    dispatch = models.OneToOneField(Dispatch, on_delete=models.CASCADE, primary_key=True, related_name="trend_fact")
    # The case's trend fact (its key is the case's): place, class and escalation are read there.
    case = models.ForeignKey(CaseTrendFact, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="dispatch_facts")
    # The case's registration day (its fact's ``created_day``), so that a period's dispatches
    # need no join when nothing else narrows them; kept with the case's fact.
    created_day = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                   related_name="+")
    role = models.CharField(max_length=10)
    replied = models.BooleanField(default=False)  # has a reply time
    on_time = models.BooleanField(default=False)  # replied on or before its deadline (local day)
    returned = models.BooleanField(default=False)  # status 已退单
    pending = models.BooleanField(default=False)  # status 办理中 (overdue once its deadline passed)
    deadline = models.DateField()

    # Dispatch fields a fact is made of: a save touching none of them leaves the fact alone.
    SOURCES = frozenset({"case", "case_id", "department", "department_id", "role", "deadline", "status",
                         "replied_at"})

    class Meta:
        default_permissions = ()
        indexes = [
            # The cases of a period, then their dispatches' figures straight off the index.
            # A period's dispatches grouped per day, department and role straight off the index. The
            # key comes last: on SQLite a bigint key is no rowid alias, and the index must hold it.
            models.Index(fields=["created_day", "department", "role", "replied", "on_time", "returned", "pending",
                                 "deadline", "case", "dispatch"], name="cases_dfact_created"),
            # The dispatches of the cases a filter or a user's scope narrows to.
            models.Index(fields=["case", "department", "role", "replied", "on_time", "returned", "pending",
                                 "deadline", "dispatch"], name="cases_dfact_case"),
            # One department's own rows (部门经办人, or the department filter).
            models.Index(fields=["department", "created_day", "role", "replied", "on_time", "returned", "pending",
                                 "deadline", "case", "dispatch"], name="cases_dfact_department"),
        ]


# Integrating systems, API keys and webhook deliveries (cases/open311/) belong to this app.
from cases.open311.models import ApiKey, IntegrationSystem, WebhookDelivery  # noqa: E402,F401
