"""Admin wiring for search: analytics reports (and, from the core, vocabulary snippets)."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

# --- analytics reports (search experience) ---------------------------------


def _report_urls():
    from .reports import LearnedRankingView, TopSearchesReportView, ZeroResultSearchesReportView

    return [
        path("learned/", LearnedRankingView.as_view(), name="learned_ranking"),
        path("top/", TopSearchesReportView.as_view(), name="top_searches"),
        path("top/results/", TopSearchesReportView.as_view(results_only=True), name="top_searches_results"),
        path("zero/", ZeroResultSearchesReportView.as_view(), name="zero_result_searches"),
        path(
            "zero/results/",
            ZeroResultSearchesReportView.as_view(results_only=True),
            name="zero_result_searches_results",
        ),
    ]


@hooks.register("register_admin_urls")
def register_search_report_urls():
    return [path("reports/search/", include((_report_urls(), "search_reports")))]


class SearchReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("search.view_querylog")


@hooks.register("register_reports_menu_item")
def register_top_searches_menu_item():
    return SearchReportMenuItem(
        _("热门搜索"), reverse("search_reports:top_searches"), name="top-searches", icon_name="search", order=1310
    )


@hooks.register("register_reports_menu_item")
def register_zero_result_searches_menu_item():
    return SearchReportMenuItem(
        _("无结果搜索"),
        reverse("search_reports:zero_result_searches"),
        name="zero-result-searches",
        icon_name="warning",
        order=1320,
    )


@hooks.register("register_permissions")
def register_search_report_permissions():
    # Lets administrators grant "view search analytics" to editor groups in the group editor.
    return Permission.objects.filter(content_type__app_label="search", codename="view_querylog")


@hooks.register("construct_reports_menu")
def hide_wagtail_search_terms_report(request, menu_items):
    # Searches are counted in QueryLog (热门搜索), not in Wagtail's Query hits: its report would stay empty.
    menu_items[:] = [item for item in menu_items if item.name != "search-terms"]


# --- vocabulary snippets (search core) ----------------------------------------
# Editors manage domain terms and synonyms here; analysis reloads them lazily,
# so a saved synonym applies to the next query without a restart.

from wagtail.snippets.models import register_snippet  # noqa: E402
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup  # noqa: E402

from .models import SearchSynonym, SearchTerm, SuggestionRule  # noqa: E402


class SearchSynonymViewSet(SnippetViewSet):
    model = SearchSynonym
    icon = "link"
    menu_label = _("同义词")
    list_display = ["terms", "active", "note", "updated_at"]
    list_filter = ["active"]
    search_fields = ["terms"]


class SearchTermViewSet(SnippetViewSet):
    model = SearchTerm
    icon = "tag"
    menu_label = _("检索词条")
    list_display = ["term", "active", "note", "updated_at"]
    list_filter = ["active"]
    search_fields = ["term"]


class SuggestionRuleViewSet(SnippetViewSet):
    model = SuggestionRule
    icon = "pick"
    menu_label = _("联想词管理")
    list_display = ["phrase", "action", "note", "updated_at"]
    list_filter = ["action"]
    search_fields = ["phrase"]


class SearchVocabularyGroup(SnippetViewSetGroup):
    items = (SearchSynonymViewSet, SearchTermViewSet, SuggestionRuleViewSet)
    menu_icon = "search"
    menu_label = _("检索词库")
    menu_name = "search-vocabulary"


register_snippet(SearchVocabularyGroup)
