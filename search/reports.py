"""Wagtail admin reports over search analytics: 热门搜索 and 无结果搜索 (content gaps).

Built on Wagtail's ReportView, so they filter, sort and export to CSV/XLSX
like Wagtail's own reports.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, DateFromToRangeFilter
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, NumberColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from . import analytics
from .models import QueryLog


class PercentColumn(Column):
    def get_value(self, instance):
        value = super().get_value(instance)
        return f"{value * 100:.0f}%" if value is not None else ""


class QueryLogFilterSet(WagtailFilterSet):
    created_at = DateFromToRangeFilter(label=_("日期"), field_name="created_at", widget=DateRangePickerWidget)
    role = ChoiceFilter(label=_("搜索者"), choices=QueryLog.Role.choices, empty_label=_("全部"))

    class Meta:
        model = QueryLog
        fields = []


class BaseQueryReportView(ReportView):
    header_icon = "search"
    is_searchable = True
    search_fields = ["query"]
    filterset_class = QueryLogFilterSet
    default_ordering = "-searches"
    model = QueryLog
    permission_policy = ModelPermissionPolicy(QueryLog)
    any_permission_required = ["view"]
    zero_only = False

    export_headings = {
        "query": _("搜索词"),
        "searches": _("搜索次数"),
        "clicks": _("点击次数"),
        "click_through": _("点击率"),
        "zero_results": _("无结果次数"),
        "last_searched": _("最近搜索时间"),
    }
    list_export = ["query", "searches", "clicks", "click_through", "zero_results", "last_searched"]

    @cached_property
    def columns(self):
        return [
            Column("query", label=_("搜索词"), sort_key="query"),
            NumberColumn("searches", label=_("搜索次数"), sort_key="searches"),
            NumberColumn("clicks", label=_("点击次数"), sort_key="clicks"),
            PercentColumn("click_through", label=_("点击率"), sort_key="click_through"),
            NumberColumn("zero_results", label=_("无结果次数"), sort_key="zero_results"),
            DateColumn("last_searched", label=_("最近搜索"), sort_key="last_searched"),
        ]

    def get_filterset_kwargs(self):
        kwargs = super().get_filterset_kwargs()
        kwargs["queryset"] = QueryLog.objects.all()
        return kwargs

    def get_queryset(self):
        # Filters and the text search apply to raw log rows; aggregation comes
        # after, so counts reflect exactly the selected period.
        logs = QueryLog.objects.all()
        if self.zero_only:
            logs = logs.filter(zero_result=True)
        logs = self.filter_queryset(logs)
        logs = self.search_queryset(logs)
        since = until = None
        if self.filters and self.filters.is_valid():
            period = self.filters.form.cleaned_data.get("created_at")
            if period:
                since = period.start.date() if period.start else None
                until = period.stop.date() if period.stop else None
        return self.order_queryset(analytics.query_stats(logs, since=since, until=until))

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "query") if queryset.query.order_by else queryset

    def get_filtered_queryset(self):
        return self.get_queryset()


def learned_url(row) -> str:
    return reverse("search_reports:learned_ranking") + "?" + urlencode({"q": row["query"]})


class TopSearchesReportView(BaseQueryReportView):
    page_title = _("热门搜索")
    index_url_name = "search_reports:top_searches"
    index_results_url_name = "search_reports:top_searches_results"
    template_name = "search/admin/top_searches.html"

    @cached_property
    def columns(self):
        columns = list(super().columns)
        # The query opens what learned ranking does to it (moved up/down and why).
        columns[0] = TitleColumn("query", label=_("搜索词"), sort_key="query", get_url=learned_url)
        return columns

    def get_context_data(self, **kwargs):
        from .learning.explain import summary

        context = super().get_context_data(**kwargs)
        context["learning"] = summary()
        return context


class LearnedRankingView(WagtailAdminTemplateMixin, TemplateView):
    """排序学习 for one query: the learned top 10 against the engine's order, with the main reasons."""

    page_title = _("排序学习")
    header_icon = "search"
    template_name = "search/admin/learned_ranking.html"

    def dispatch(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        if not request.user.has_perm("search.view_querylog"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.request.GET.get("q", "")[:200]

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("search_reports:top_searches"), "label": _("热门搜索")},
            {"url": "", "label": _("排序学习")},
        ]

    def get_context_data(self, **kwargs):
        from .analytics import normalize_query
        from .learning.explain import explain_query, summary

        context = super().get_context_data(**kwargs)
        q = normalize_query(self.request.GET.get("q", ""))
        context["query"] = q
        context["explained"] = explain_query(q) if q else None
        context["learning"] = summary()
        return context


class ZeroResultSearchesReportView(BaseQueryReportView):
    page_title = _("无结果搜索")
    index_url_name = "search_reports:zero_result_searches"
    index_results_url_name = "search_reports:zero_result_searches_results"
    zero_only = True

    export_headings = {
        "query": _("搜索词"),
        "searches": _("无结果次数"),
        "last_searched": _("最近搜索时间"),
    }
    list_export = ["query", "searches", "last_searched"]

    @cached_property
    def columns(self):
        return [
            Column("query", label=_("搜索词（内容缺口）"), sort_key="query"),
            NumberColumn("searches", label=_("无结果次数"), sort_key="searches"),
            DateColumn("last_searched", label=_("最近搜索"), sort_key="last_searched"),
        ]
