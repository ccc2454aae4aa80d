"""Search data: editor vocabulary, the embedded index tables, the retry queue, analytics logs.

The embedded engine's tables (``search_entry``, ``search_facet``, ``search_entry_facets``) are ordinary
models so the database stays the single source of truth and a test flush
clears them; the FTS5 table (SQLite) or the tsvector column + GIN index
(PostgreSQL) are added by migration 0002 / on first use.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.search import index


class SearchTerm(index.Indexed, models.Model):
    """A domain term the segmenter must keep whole (e.g. 营业性演出许可)."""

    term = models.CharField(_("词语"), max_length=40, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    panels = [FieldPanel("term"), FieldPanel("active"), FieldPanel("note")]
    search_fields = [index.SearchField("term"), index.AutocompleteField("term")]

    class Meta:
        ordering = ["term"]
        verbose_name = _("检索词条")
        verbose_name_plural = _("检索词条")

    def __str__(self):
        return self.term

    def clean(self):
        self.term = (self.term or "").strip()
        if not self.term:
            raise ValidationError({"term": _("请填写词语。")})
        if any(ch.isspace() for ch in self.term):
            raise ValidationError({"term": _("词语中不能有空格。")})


class SearchSynonym(index.Indexed, models.Model):
    """A group of words searched as one (e.g. 营业执照, 证照): applied to queries, no reindex needed."""

    terms = models.CharField(
        _("同义词组"), max_length=300, help_text=_("用逗号、顿号或空格分隔，例如：营业执照，证照")
    )
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    panels = [FieldPanel("terms"), FieldPanel("active"), FieldPanel("note")]
    search_fields = [index.SearchField("terms"), index.AutocompleteField("terms")]

    class Meta:
        ordering = ["terms"]
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")

    def __str__(self):
        return self.terms

    def term_list(self) -> list[str]:
        from .analysis import parse_synonym_line

        return parse_synonym_line(self.terms)

    def clean(self):
        if len(self.term_list()) < 2:
            raise ValidationError({"terms": _("同义词组至少需要两个不同的词。")})


class SearchEntry(models.Model):
    """One indexed document of the embedded engine (original text, for snippets and facets)."""

    doc_type = models.CharField(max_length=20)
    doc_id = models.BigIntegerField()
    external_id = models.CharField(max_length=100, blank=True, default="")
    title = models.TextField(blank=True, default="")
    title_norm = models.TextField(blank=True, default="")  # normalised title for suggestions
    summary = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")
    # Summary and body normalised at index time, for the learned reranker's features (no OpenCC
    # per query); NULL in entries written before they were stored, until the next rebuild.
    summary_norm = models.TextField(null=True, blank=True)
    body_norm = models.TextField(null=True, blank=True)
    url = models.CharField(max_length=500, blank=True, default="")
    visibility = models.CharField(max_length=10, default="public")
    topic = models.CharField(max_length=100, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "search_entry"
        constraints = [models.UniqueConstraint(fields=["doc_type", "doc_id"], name="search_entry_doc_uniq")]
        indexes = [models.Index(fields=["visibility", "doc_type"], name="search_entry_vis_type")]
        verbose_name = _("索引条目")
        verbose_name_plural = _("索引条目")


class SearchFacet(models.Model):
    """Facet values (and case visibility keys, name "_restrict") of an entry."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="facets")
    name = models.CharField(max_length=20)
    value = models.CharField(max_length=100)
    label = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        db_table = "search_facet"
        indexes = [models.Index(fields=["name", "value"], name="search_facet_name_value")]


class SearchEntryFacets(models.Model):
    """An entry's facet values in one string (SQLite): the facet "doc values" of the embedded engine.

    Counting facets over the best 1,000 matches reads one short row per match
    here instead of four ``search_facet`` rows through an index: at 100k
    documents that is about 2 ms a query instead of 6.
    """

    entry = models.OneToOneField(SearchEntry, on_delete=models.CASCADE, primary_key=True, related_name="facet_keys")
    keys = models.TextField(blank=True, default="")

    class Meta:
        db_table = "search_entry_facets"


class PendingIndexOperation(models.Model):
    """An index update that failed (engine down): retried by tasks, process_index_queue and rebuild."""

    class Action(models.TextChoices):
        INDEX = "index", _("索引")
        DELETE = "delete", _("删除")

    engine = models.CharField(_("引擎"), max_length=20)
    doc_type = models.CharField(_("类型"), max_length=20)
    doc_id = models.BigIntegerField(_("编号"))
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["engine", "doc_type", "doc_id"], name="search_pending_op_uniq")
        ]
        verbose_name = _("待处理索引操作")
        verbose_name_plural = _("待处理索引操作")

    def __str__(self):
        return f"{self.action} {self.doc_type}:{self.doc_id} ({self.engine})"


class QueryLog(models.Model):
    """One search (analytics). No user, session or IP: the normalised query and a coarse role."""

    class Role(models.TextChoices):
        ANONYMOUS = "anonymous", _("公众")
        STAFF = "staff", _("工作人员")

    query = models.CharField(_("搜索词"), max_length=200, db_index=True)
    result_count = models.PositiveIntegerField(_("结果数"), default=0)
    zero_result = models.BooleanField(_("无结果"), default=False, db_index=True)
    role = models.CharField(_("搜索者"), max_length=10, choices=Role.choices, default=Role.ANONYMOUS)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("搜索记录")
        verbose_name_plural = _("搜索记录")

    def __str__(self):
        return self.query


class QueryClick(models.Model):
    """A click on a result of a query (analytics)."""

    query = models.CharField(_("搜索词"), max_length=200, db_index=True)
    doc = models.CharField(_("结果"), max_length=60)  # "article:12"
    position = models.PositiveIntegerField(_("位置"), null=True, blank=True)
    role = models.CharField(_("搜索者"), max_length=10, choices=QueryLog.Role.choices, default=QueryLog.Role.ANONYMOUS)
    # A keyed hash of the client address and the day: counts distinct readers behind a
    # popular query (suggestions) without storing or linking anyone across days.
    client = models.CharField(_("访客标记"), max_length=16, blank=True, default="")
    # The same marker filed an online report later that day: this click did not deflect a
    # report (the deflection figure of 统计分析). Nothing links the click to the report.
    reported = models.BooleanField(_("当天随后仍提交了反映"), default=False)
    # The opened page then stayed visible for the read threshold (a "long read", a second
    # positive for learning); set once, by the reader's beacon, only for a click of theirs.
    read_at = models.DateTimeField(_("阅读达标时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("搜索点击")
        verbose_name_plural = _("搜索点击")

    def __str__(self):
        return f"{self.query} → {self.doc}"


class QueryDayCount(models.Model):
    """Searches per local day and query: what 统计分析's search tables read instead of grouping
    every logged search by its text. Kept by ``search.analytics``: counted as each search is
    logged (one upsert), recounted for the days pruning reaches, rebuilt by
    ``manage.py rebuild_case_trends`` after a bulk load. Never shown on its own."""

    date = models.DateField()  # the local (settings.TIME_ZONE) day of the searches
    query = models.CharField(max_length=200)
    searches = models.PositiveIntegerField(default=0)
    zero_results = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["date", "query"], name="search_querydaycount_date_query")]
        # The figures of a period straight off the index (no row lookups).
        indexes = [models.Index(fields=["date", "query", "searches", "zero_results"], name="search_qday_covering")]

    def __str__(self):
        return f"{self.date} {self.query}"


class RankingModel(models.Model):
    """A reranker learned from this deployment's own search logs (``search.learning``).

    Weights of a linear model over named features plus what the logs taught about each
    document (the de-identified queries that led to it). One row per training run: the
    active row of an audience reranks its searches; a candidate that did not beat it on
    the held-out slice of the logs stays ``rejected`` for the record.
    """

    class Audience(models.TextChoices):
        PUBLIC = "public", _("公众（只用公开信号）")
        STAFF = "staff", _("工作人员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("使用中")
        RETIRED = "retired", _("已被替换")
        REJECTED = "rejected", _("未通过检验")

    audience = models.CharField(_("适用范围"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, db_index=True)
    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    queries = models.PositiveIntegerField(_("有正反馈的查询数"), default=0)
    pairs = models.PositiveIntegerField(_("训练样本对"), default=0)
    params = models.JSONField(_("模型参数"), default=dict, blank=True)
    memory = models.JSONField(_("文档记忆"), default=dict, blank=True)
    metrics = models.JSONField(_("检验结果"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["audience", "status"], name="search_rankmodel_aud_status")]
        verbose_name = _("排序模型")
        verbose_name_plural = _("排序模型")

    def __str__(self):
        return f"{self.get_audience_display()} {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


@register_setting(icon="search")
class LearningSettings(BaseGenericSetting):
    """The editors' switch for learned ranking: off means every search is the engine's own order."""

    enabled = models.BooleanField(
        _("启用排序学习"),
        default=True,
        help_text=_("关闭后，所有搜索立即恢复为检索引擎的原始排序；学到的模型保留，重新开启即可恢复。"),
    )

    panels = [FieldPanel("enabled")]

    class Meta:
        verbose_name = _("排序学习")
        verbose_name_plural = _("排序学习")


class SuggestionRule(index.Indexed, models.Model):
    """An editor's say on autocomplete: offer a phrase, or never offer anything containing it."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("推荐为联想词")
        BLOCK = "block", _("禁止出现在联想词中")

    phrase = models.CharField(_("词语"), max_length=100, unique=True)
    action = models.CharField(_("处理"), max_length=10, choices=Action.choices, default=Action.BLOCK)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    panels = [FieldPanel("phrase"), FieldPanel("action"), FieldPanel("note")]
    search_fields = [index.SearchField("phrase"), index.AutocompleteField("phrase")]

    class Meta:
        ordering = ["action", "phrase"]
        verbose_name = _("联想词管理")
        verbose_name_plural = _("联想词管理")

    def __str__(self):
        return self.phrase

    def clean(self):
        self.phrase = " ".join((self.phrase or "").split())
        if not self.phrase:
            raise ValidationError({"phrase": _("请填写词语。")})
