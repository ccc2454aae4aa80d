"""The knowledge base: what a reader needs to get a class of matters done.

Taxonomies (districts, departments, service items, policies) are snippets so
that cases, search and articles all point at the same records. Pages carry the
metadata a reader trusts: who issued it, when it takes effect, when it was
last reviewed.
"""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .acknowledgements import PublicInfoReviewMixin
from .pagination import page_of
from .panels import ArticleOriginPanel, GuideOriginPanel, PublicInfoPanel
from .publish_guard import PersonalDataGuardedPageForm, PersonalDataGuardedPublishMixin


class District(models.Model):
    """An administrative district (区). Seeded with Shanghai's 16 by a migration."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("行政区")
        verbose_name_plural = _("行政区")

    def __str__(self):
        return self.name


class Department(index.Indexed, models.Model):
    """A government department or service centre that handles matters.

    Contact details here are the department's public ones (hotline, office),
    never a person's.
    """

    name = models.CharField(_("部门名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    slug = models.SlugField(_("网址标识"), max_length=80, unique=True, allow_unicode=True)
    district = models.ForeignKey(
        District,
        verbose_name=_("所属区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="departments",
        help_text=_("市级部门留空。"),
    )
    contact_phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    office_address = models.CharField(_("办公地址"), max_length=200, blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=100, blank=True)
    website = models.URLField(_("网站"), blank=True)
    description = models.TextField(_("职责简介"), blank=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("short_name"), FieldPanel("slug")]),
        FieldPanel("district"),
        MultiFieldPanel(
            [
                FieldPanel("contact_phone"),
                FieldPanel("office_address"),
                FieldPanel("office_hours"),
                FieldPanel("website"),
            ],
            heading=_("公开联系方式"),
        ),
        FieldPanel("description"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("description"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


class ServiceItem(index.Indexed, models.Model):
    """A government service item (事项) as listed in the service catalogue.

    Cases record which item the reporter tried; policy changes list the items
    they affect, which is how related articles get flagged for review.
    """

    name = models.CharField(_("事项名称"), max_length=150)
    code = models.CharField(_("事项编码"), max_length=60, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("实施部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_items",
    )

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("department")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")

    def __str__(self):
        return self.name


class Policy(index.Indexed, models.Model):
    """A policy document cited as the legal or policy basis of guidance."""

    class Status(models.TextChoices):
        CURRENT = "current", _("现行有效")
        SUPERSEDED = "superseded", _("已被替代")
        EXPIRED = "expired", _("已失效")

    title = models.CharField(_("文件名称"), max_length=255)
    issuing_body = models.CharField(_("发文机关"), max_length=150)
    document_number = models.CharField(
        _("文号"), max_length=80, blank=True, help_text=_("例如：沪府办规〔2023〕12号")
    )
    effective_date = models.DateField(_("施行日期"), null=True, blank=True)
    expiry_date = models.DateField(_("失效日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.CURRENT)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("被以下文件替代"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
    )
    summary = models.TextField(_("要点"), blank=True)
    url = models.URLField(_("原文链接"), blank=True)
    service_items = models.ManyToManyField(
        ServiceItem, verbose_name=_("涉及事项"), blank=True, related_name="policies"
    )

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("issuing_body"), FieldPanel("document_number")]),
        FieldRowPanel([FieldPanel("effective_date"), FieldPanel("expiry_date")]),
        FieldRowPanel([FieldPanel("status"), FieldPanel("superseded_by")]),
        FieldPanel("service_items"),
        FieldPanel("summary"),
        FieldPanel("url"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.SearchField("document_number"),
        index.SearchField("issuing_body"),
        index.SearchField("summary"),
        index.FilterField("status"),
    ]

    class Meta:
        ordering = ["-effective_date", "title"]
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def __str__(self):
        if self.document_number:
            return f"{self.title}（{self.document_number}）"
        return self.title

    def clean(self):
        if self.effective_date and self.expiry_date and self.expiry_date < self.effective_date:
            raise ValidationError({"expiry_date": _("失效日期不能早于施行日期。")})
        if self.superseded_by_id and self.superseded_by_id == self.pk:
            raise ValidationError({"superseded_by": _("文件不能替代自身。")})

    @property
    def shown_status(self) -> str:
        """The status readers see: 现行有效 only once in force; before its effective date a
        current document is 尚未施行 (a registered change's new policy waits there)."""
        if self.status == self.Status.CURRENT and self.effective_date and self.effective_date > timezone.localdate():
            return "pending"
        return self.status

    @property
    def shown_status_label(self) -> str:
        return _("尚未施行") if self.shown_status == "pending" else self.get_status_display()

    def is_in_force_on(self, day) -> bool:
        if self.effective_date and day < self.effective_date:
            return False
        if self.expiry_date and day >= self.expiry_date:
            return False
        return True


# --- Stream blocks ---------------------------------------------------------


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("步骤"), max_length=120)
    body = blocks.RichTextBlock(
        label=_("说明"), features=["bold", "italic", "link", "ol", "ul"], required=False
    )
    where = blocks.CharBlock(label=_("在哪办"), required=False, max_length=200)
    time_limit = blocks.CharBlock(label=_("办理时限"), required=False, max_length=60)

    class Meta:
        icon = "list-ol"
        label = _("办理步骤")
        template = "knowledge/blocks/step.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("问题"), max_length=200)
    answer = blocks.RichTextBlock(label=_("回答"), features=["bold", "link", "ol", "ul"])

    class Meta:
        icon = "help"
        label = _("问答")
        template = "knowledge/blocks/question.html"


class SolutionStepsBlock(blocks.StreamBlock):
    step = StepBlock()
    paragraph = blocks.RichTextBlock(
        label=_("段落"), features=["h3", "bold", "italic", "link", "ol", "ul"]
    )
    notice = blocks.TextBlock(label=_("提示"), template="knowledge/blocks/notice.html")


class FAQBlock(blocks.StreamBlock):
    question = QuestionBlock()


# --- Pages -----------------------------------------------------------------


class TopicIndexPage(Page):
    """A topic (事项 / life event) readers browse by, e.g. 企业开办与注销.

    Articles and guides live under their topic, so the URL says where a reader is.
    """

    introduction = models.TextField(_("简介"), blank=True)
    icon = models.CharField(_("图标文字"), max_length=4, blank=True, help_text=_("一个汉字或符号，显示在首页。"))

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("icon")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    api_fields = [APIField("introduction")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["knowledge.SolutionArticlePage", "knowledge.PolicyTransitionGuidePage"]

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")

    def get_context(self, request, *args, **kwargs):
        from . import selectors  # selectors import the models

        context = super().get_context(request, *args, **kwargs)
        context["page_obj"] = page_of(selectors.topic_articles(self), request)
        context["guides"] = selectors.topic_guides(self)
        return context


class SolutionArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "knowledge.SolutionArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class SolutionArticlePage(PublicInfoReviewMixin, PersonalDataGuardedPublishMixin, Page):
    """A solution article: how a class of "办不成" matters gets done.

    Written from resolved cases. The problem is stated in the reporter's own
    words so that people find it with the words they use.
    """

    summary = models.CharField(_("摘要"), max_length=300, help_text=_("一两句话说明解决什么问题。"))
    problem = models.TextField(_("常见问题描述"), help_text=_("用办事人自己的话描述遇到的问题。"))
    applies_to = models.TextField(_("适用对象"), blank=True)
    steps = StreamField(SolutionStepsBlock(), verbose_name=_("解决步骤"), blank=True)
    departments = ParentalManyToManyField(
        Department, verbose_name=_("涉及部门"), blank=True, related_name="articles"
    )
    policies = ParentalManyToManyField(
        Policy, verbose_name=_("政策依据"), blank=True, related_name="articles"
    )
    service_items = ParentalManyToManyField(
        ServiceItem, verbose_name=_("涉及事项"), blank=True, related_name="articles"
    )
    districts = ParentalManyToManyField(
        District,
        verbose_name=_("适用区"),
        blank=True,
        related_name="articles",
        help_text=_("留空表示全市适用。"),
    )
    tags = ClusterTaggableManager(through=SolutionArticleTag, blank=True, verbose_name=_("标签"))
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    last_reviewed = models.DateField(_("最近审核日期"), null=True, blank=True)
    review_due = models.DateField(_("下次复核日期"), null=True, blank=True)
    source_case_count = models.PositiveIntegerField(
        _("来源案例数"), default=0, help_text=_("由案例关联自动统计。")
    )
    external_id = models.CharField(
        _("外部编号"), max_length=100, blank=True, db_index=True, help_text=_("导入时的原始编号。")
    )
    public_info_acknowledgements = models.JSONField(
        _("公开信息确认"),
        default=list,
        blank=True,
        help_text=_("编辑确认为机构公开联系方式或公职人员公开信息的内容，随修订版本保存。"),
    )

    content_panels = [ArticleOriginPanel(heading=_("来源与复核")), PublicInfoPanel()] + Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("problem"),
        FieldPanel("applies_to"),
        FieldPanel("steps"),
        InlinePanel("materials", label=_("所需材料"), heading=_("所需材料")),
        MultiFieldPanel(
            [
                FieldPanel("departments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("policies", widget=forms.CheckboxSelectMultiple),
                FieldPanel("service_items", widget=forms.CheckboxSelectMultiple),
                FieldPanel("districts", widget=forms.CheckboxSelectMultiple),
                FieldPanel("tags"),
            ],
            heading=_("分类与依据"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("effective_date"),
                        FieldPanel("last_reviewed"),
                        FieldPanel("review_due"),
                    ]
                ),
                FieldPanel("source_case_count", read_only=True),
            ],
            heading=_("时效"),
        ),
    ]
    promote_panels = Page.promote_panels + [FieldPanel("external_id")]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("problem"),
        index.SearchField("applies_to"),
        index.SearchField("steps"),
        index.RelatedFields("departments", [index.SearchField("name")]),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("external_id"),
    ]
    api_fields = [
        APIField("summary"),
        APIField("problem"),
        APIField("applies_to"),
        APIField("steps"),
        APIField("materials"),
        APIField("departments"),
        APIField("policies"),
        APIField("tags"),
        APIField("effective_date"),
        APIField("last_reviewed"),
    ]

    parent_page_types = ["knowledge.TopicIndexPage"]
    subpage_types = []
    # Publishing, submitting or approving is refused while personal data remains.
    base_form_class = PersonalDataGuardedPageForm

    # Used by listings that mix articles and guides.
    kind = "article"
    kind_label = _("办事指引")

    class Meta:
        verbose_name = _("办事指引")
        verbose_name_plural = _("办事指引")

    def clean(self):
        super().clean()
        if self.last_reviewed and self.review_due and self.review_due < self.last_reviewed:
            raise ValidationError({"review_due": _("下次复核日期不能早于最近审核日期。")})

    @property
    def is_review_overdue(self) -> bool:
        return bool(self.review_due and self.review_due < timezone.localdate())

    def live_guides(self):
        """Published guides pointing at this article; none yet for an unsaved preview."""
        if self.pk is None:
            return []
        return list(self.guides.live().order_by("-first_published_at"))

    def with_content_json(self, content):
        # The count is maintained by case links, not by editors: publishing an
        # older revision must not bring back an older count.
        obj = super().with_content_json(content)
        obj.source_case_count = self.source_case_count
        return obj

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Set by the feedback endpoint's redirect; a query parameter rather than
        # a session message so the page stays cacheable and cookie-free.
        context["feedback_thanks"] = request.GET.get("feedback") == "thanks"
        context["materials"] = list(self.materials.all())
        context["has_supply_later"] = any(m.can_supply_later for m in context["materials"])
        return context


class RequiredMaterial(Orderable):
    """One material the reader must bring, and whether 容缺受理 allows it later."""

    page = ParentalKey(SolutionArticlePage, related_name="materials", on_delete=models.CASCADE)
    name = models.CharField(_("材料名称"), max_length=150)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    can_supply_later = models.BooleanField(
        _("可容缺后补"), default=False, help_text=_("容缺受理：可先受理，事后补交。")
    )
    supply_methods = models.CharField(
        _("补交方式"), max_length=150, blank=True, help_text=_("例如：电话核验、微信、邮寄、现场")
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("note"),
        FieldRowPanel([FieldPanel("can_supply_later"), FieldPanel("supply_methods")]),
    ]
    api_fields = [APIField("name"), APIField("note"), APIField("can_supply_later")]

    class Meta(Orderable.Meta):
        verbose_name = _("材料")
        verbose_name_plural = _("材料")

    def __str__(self):
        return self.name


class PolicyTransitionGuideTag(TaggedItemBase):
    content_object = ParentalKey(
        "knowledge.PolicyTransitionGuidePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class PolicyTransitionGuidePage(PublicInfoReviewMixin, PersonalDataGuardedPublishMixin, Page):
    """A guide through a change from an old policy to a new one.

    New/old policy transitions are a main source of "办不成" cases; the guide
    says which rule applies when, and what to do in the gap.
    """

    summary = models.CharField(_("摘要"), max_length=300)
    old_policy = models.ForeignKey(
        Policy,
        verbose_name=_("原政策"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    new_policy = models.ForeignKey(
        Policy,
        verbose_name=_("新政策"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    effective_date = models.DateField(_("新政策施行日期"))
    transition_end = models.DateField(_("过渡期截止"), null=True, blank=True)
    what_changed = RichTextField(_("主要变化"), blank=True, features=["bold", "link", "ol", "ul"])
    transition_arrangements = RichTextField(
        _("过渡安排"), blank=True, features=["bold", "link", "ol", "ul"]
    )
    affected = models.TextField(_("影响对象"), blank=True)
    gap_guidance = RichTextField(
        _("衔接期间怎么办"), blank=True, features=["bold", "link", "ol", "ul"]
    )
    faq = StreamField(FAQBlock(), verbose_name=_("常见问题"), blank=True)
    related_articles = ParentalManyToManyField(
        SolutionArticlePage, verbose_name=_("相关办事指引"), blank=True, related_name="guides"
    )
    departments = ParentalManyToManyField(
        Department, verbose_name=_("发布/实施部门"), blank=True, related_name="guides"
    )
    service_items = ParentalManyToManyField(
        ServiceItem, verbose_name=_("涉及事项"), blank=True, related_name="guides"
    )
    districts = ParentalManyToManyField(
        District, verbose_name=_("适用区"), blank=True, related_name="guides"
    )
    tags = ClusterTaggableManager(through=PolicyTransitionGuideTag, blank=True, verbose_name=_("标签"))
    last_reviewed = models.DateField(_("最近审核日期"), null=True, blank=True)
    review_due = models.DateField(_("下次复核日期"), null=True, blank=True)
    public_info_acknowledgements = models.JSONField(
        _("公开信息确认"),
        default=list,
        blank=True,
        help_text=_("编辑确认为机构公开联系方式或公职人员公开信息的内容，随修订版本保存。"),
    )

    content_panels = [GuideOriginPanel(heading=_("来源与复核")), PublicInfoPanel()] + Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("old_policy"), FieldPanel("new_policy")]),
        FieldRowPanel([FieldPanel("effective_date"), FieldPanel("transition_end")]),
        FieldPanel("what_changed"),
        FieldPanel("transition_arrangements"),
        FieldPanel("affected"),
        FieldPanel("gap_guidance"),
        FieldPanel("faq"),
        MultiFieldPanel(
            [
                FieldPanel("related_articles"),
                FieldPanel("departments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("service_items", widget=forms.CheckboxSelectMultiple),
                FieldPanel("districts", widget=forms.CheckboxSelectMultiple),
                FieldPanel("tags"),
            ],
            heading=_("分类与关联"),
        ),
        FieldRowPanel([FieldPanel("last_reviewed"), FieldPanel("review_due")]),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("what_changed"),
        index.SearchField("transition_arrangements"),
        index.SearchField("affected"),
        index.SearchField("gap_guidance"),
        index.SearchField("faq"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]
    api_fields = [
        APIField("summary"),
        APIField("old_policy"),
        APIField("new_policy"),
        APIField("effective_date"),
        APIField("transition_end"),
        APIField("transition_arrangements"),
        APIField("gap_guidance"),
        APIField("faq"),
    ]

    parent_page_types = ["knowledge.TopicIndexPage"]
    subpage_types = []
    # Publishing, submitting or approving is refused while personal data remains.
    base_form_class = PersonalDataGuardedPageForm

    kind = "guide"
    kind_label = _("政策衔接")

    class Meta:
        verbose_name = _("新旧政策衔接指引")
        verbose_name_plural = _("新旧政策衔接指引")

    def clean(self):
        super().clean()
        if self.transition_end and self.effective_date and self.transition_end < self.effective_date:
            raise ValidationError({"transition_end": _("过渡期截止日期不能早于新政策施行日期。")})
        if self.old_policy_id and self.old_policy_id == self.new_policy_id:
            raise ValidationError({"new_policy": _("新政策与原政策不能是同一文件。")})

    def live_related_articles(self):
        """Related articles a reader can open. A preview holds the relation in memory
        (modelcluster's FakeQuerySet, which has no ``live()``), so filter in Python."""
        return [article for article in self.related_articles.all() if article.live]

    def rule_for(self, started_on):
        """Which policy applies to a matter that started on ``started_on``."""
        if started_on < self.effective_date:
            return self.old_policy
        return self.new_policy

    def transition_over(self, today=None) -> bool:
        """Whether the transition period has ended (readers must not act on expired arrangements)."""
        today = today or timezone.localdate()
        return bool(self.transition_end and today > self.transition_end)

    def rule_answer(self, started_on, today=None) -> dict:
        """A reader-facing answer to "旧政策还是新政策？" for ``started_on``.

        Whether the matter started inside the transition window and whether that window is
        still open today are different questions; a reader in 2026 asking about a 2023 start
        must not be told the 2023 transition arrangements are still running.
        """
        policy = self.rule_for(started_on)
        is_new = started_on >= self.effective_date
        old_start = self.old_policy.effective_date if self.old_policy_id and self.old_policy else None
        if not is_new and old_start and started_on < old_start:
            # Neither policy of this guide covers the date: saying 适用原政策 would be wrong.
            return {
                "started_on": started_on,
                "is_new": False,
                "before_old": True,
                "label": _("原政策施行前"),
                "verdict": _("早于原政策施行日期"),
                "policy": None,
                "policy_name": "",
                "in_transition": False,
                "transition_over": self.transition_over(today),
                "message": _(
                    "您的事项开始于 %(day)s，早于原政策的施行日期（%(old)s），本指引的原政策和新政策都不适用。"
                    "请按当时有效的规定办理，或拨打 12345 咨询。"
                ) % {"day": started_on.isoformat(), "old": old_start.isoformat()},
            }
        in_transition = bool(
            is_new and self.transition_end and started_on <= self.transition_end
        )
        transition_over = self.transition_over(today)
        label = _("新政策") if is_new else _("原政策")
        name = str(policy) if policy else ""
        if is_new:
            message = _("您的事项开始于 %(day)s，在新政策施行日（%(eff)s）当天或之后，适用新政策。") % {
                "day": started_on.isoformat(),
                "eff": self.effective_date.isoformat(),
            }
        else:
            message = _("您的事项开始于 %(day)s，早于新政策施行日（%(eff)s），适用原政策。") % {
                "day": started_on.isoformat(),
                "eff": self.effective_date.isoformat(),
            }
        if in_transition and transition_over:
            message += " " + _(
                "该日期在过渡期内，但过渡期已于 %(end)s 结束，下方的过渡安排现已不再适用，请按新政策办理。"
            ) % {"end": self.transition_end.isoformat()}
        elif in_transition:
            message += " " + _("目前仍在过渡期内（至 %(end)s），请同时留意下方的过渡安排。") % {
                "end": self.transition_end.isoformat()
            }
        return {
            "started_on": started_on,
            "is_new": is_new,
            "before_old": False,
            "label": label,
            "verdict": _("适用%(label)s") % {"label": label},
            "policy": policy,
            "policy_name": name,
            "in_transition": in_transition,
            "transition_over": transition_over,
            "message": message,
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        raw = (request.GET.get("started") or "").strip()
        context["started_raw"] = raw[:20]
        if raw:
            try:
                started_on = datetime.date.fromisoformat(raw[:20])
            except ValueError:
                context["rule_error"] = _("日期格式不正确，请按“年-月-日”填写，例如 2023-05-01。")
            else:
                if started_on.year < 1949 or started_on.year > 2100:
                    context["rule_error"] = _("日期超出可判断的范围，请核对后再试。")
                else:
                    context["rule_answer"] = self.rule_answer(started_on)
        # Set by the feedback endpoint's redirect, as on articles.
        context["feedback_thanks"] = request.GET.get("feedback") == "thanks"
        return context


class ArticleFeedback(models.Model):
    """A reader's answer to "这篇内容有帮助吗？". Never stores who they are."""

    page = models.ForeignKey(Page, verbose_name=_("页面"), on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("有帮助"))
    comment = models.TextField(_("意见"), blank=True, max_length=500)
    # A keyed hash of the reader's address and the day (``feedback_client_key``): one reader's
    # repeated votes on a page count once for learned search ranking; nothing links days.
    client = models.CharField(_("访客标记"), max_length=16, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("读者反馈")
        verbose_name_plural = _("读者反馈")

    def __str__(self):
        return f"{self.page_id}: {'有帮助' if self.helpful else '没帮助'}"

    def get_helpful_display(self):
        # Wagtail's inspect view and the exports would otherwise print True/False.
        return _("是") if self.helpful else _("否")


class ArticleReviewFlag(models.Model):
    """An article or guide put on the editors' review list ("需要复核"), with why.

    KCS "flag it": raised from a case (内容有误/需更新) or by a registered policy
    change. It stays open until the page is published again after the flag.
    The case is referenced by its tracking number, never by the reporter.
    """

    class Source(models.TextChoices):
        CASE = "case", _("案件反馈")
        POLICY_CHANGE = "policy_change", _("政策变化")

    page = models.ForeignKey(
        Page, verbose_name=_("页面"), on_delete=models.CASCADE, related_name="review_flags"
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    reason = models.TextField(_("原因"))
    case_reference = models.CharField(_("案件编号"), max_length=30, blank=True)
    policy_change = models.ForeignKey(
        "knowledge.PolicyChange",
        verbose_name=_("政策变化"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("标记人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("标记时间"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("指引复核标记")
        verbose_name_plural = _("指引复核标记")

    def __str__(self):
        return f"{self.page_id}: {self.get_source_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class PolicyChangeTag(TaggedItemBase):
    content_object = models.ForeignKey(
        "knowledge.PolicyChange", related_name="tagged_items", on_delete=models.CASCADE
    )


class PolicyChange(models.Model):
    """A change from an old policy to a new one, registered by a department liaison.

    Registering it (``services.policy_change_register``) flags the published
    content that depends on the old policy and drafts a transition guide.
    """

    old_policy = models.ForeignKey(
        Policy, verbose_name=_("原政策"), on_delete=models.PROTECT, related_name="changes_from"
    )
    new_policy = models.ForeignKey(
        Policy, verbose_name=_("新政策"), on_delete=models.PROTECT, related_name="changes_to"
    )
    effective_date = models.DateField(_("新政策施行日期"))
    transition_end = models.DateField(_("过渡期截止"), null=True, blank=True)
    service_items = models.ManyToManyField(
        ServiceItem, verbose_name=_("影响的服务事项"), blank=True, related_name="policy_changes"
    )
    tags = TaggableManager(through=PolicyChangeTag, blank=True, verbose_name=_("标签"))
    department = models.ForeignKey(
        Department, verbose_name=_("登记部门"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="policy_changes",
    )
    note = models.TextField(_("变化说明"), blank=True)
    guide = models.OneToOneField(
        PolicyTransitionGuidePage, verbose_name=_("衔接指引草稿"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="policy_change",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("政策变化")
        verbose_name_plural = _("政策变化")

    def __str__(self):
        return f"{self.old_policy.title} → {self.new_policy.title}"

    def clean(self):
        errors = {}
        if self.old_policy_id and self.old_policy_id == self.new_policy_id:
            errors["new_policy"] = _("新政策与原政策不能是同一文件。")
        if self.transition_end and self.effective_date and self.transition_end < self.effective_date:
            errors["transition_end"] = _("过渡期截止日期不能早于新政策施行日期。")
        if errors:
            raise ValidationError(errors)


# The workflow task model lives in its own module; importing it here registers it.
from .workflows import DepartmentCountersignTask  # noqa: E402,F401
