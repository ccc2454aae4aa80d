"""Admin wiring: taxonomy snippets, the reader-feedback listing and the
"待复核指引" report. Everything here is stock Wagtail viewsets and reports."""

import datetime

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.views.reports import PageReportView
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import selectors
from .models import ArticleFeedback, Department, District, Policy, ServiceItem


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Feedback comes from readers only: staff may look and delete, never add or edit."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "copy"):
            return False
        return super().user_has_permission(user, action)


register_permission_policy(
    ArticleFeedback, ReadOnlyPermissionPolicy(ArticleFeedback), exact_class=True
)


class TaxonomyViewSet(SnippetViewSet):
    # Short lists: plain substring search works for Chinese names without an index.
    search_backend_name = None


class DistrictViewSet(TaxonomyViewSet):
    model = District
    icon = "site"
    list_display = ["name", "code", "sort_order"]
    search_fields = ["name", "code"]


class DepartmentViewSet(TaxonomyViewSet):
    model = Department
    icon = "group"
    list_display = ["name", "district", "contact_phone"]
    list_filter = ["district"]
    search_fields = ["name", "short_name", "description"]


class ServiceItemViewSet(TaxonomyViewSet):
    model = ServiceItem
    icon = "tasks"
    list_display = ["name", "code", "department"]
    list_filter = ["department"]
    search_fields = ["name", "code"]


class PolicyViewSet(TaxonomyViewSet):
    model = Policy
    icon = "doc-full"
    list_display = ["title", "document_number", "issuing_body", "effective_date", "status"]
    list_filter = ["status", "effective_date"]
    search_fields = ["title", "document_number", "issuing_body", "summary"]


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = _("知识库分类")
    menu_icon = "folder-open-inverse"
    menu_order = 250
    items = (PolicyViewSet, DepartmentViewSet, ServiceItemViewSet, DistrictViewSet)


register_snippet(TaxonomyGroup)


class ArticleFeedbackViewSet(ModelViewSet):
    model = ArticleFeedback
    icon = "comment"
    menu_label = _("读者反馈")
    menu_order = 260
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["page", "helpful", "comment", "created_at"]
    list_filter = ["helpful", "created_at", "page"]
    list_export = ["page", "helpful", "comment", "created_at"]
    search_fields = ["comment"]
    search_backend_name = None
    form_fields = ["page", "helpful", "comment"]


@hooks.register("register_admin_viewset")
def register_feedback_viewset():
    return ArticleFeedbackViewSet("article_feedback")


class ReviewDueReportView(PageReportView):
    """Published or draft articles and guides whose 下次复核日期 has passed."""

    page_title = _("待复核指引")
    header_icon = "time"
    index_url_name = "knowledge_review_due"
    index_results_url_name = "knowledge_review_due_results"
    results_template_name = "knowledge/admin/review_due_results.html"
    any_permission_required = ["add", "change", "publish"]
    list_export = ["title", "review_due", "last_reviewed", "status_string", "url_path"]
    export_headings = {
        "title": _("标题"),
        "review_due": _("下次复核日期"),
        "last_reviewed": _("最近审核日期"),
        "status_string": _("状态"),
        "url_path": _("路径"),
    }

    def get_filename(self):
        return "review-due-{}".format(datetime.date.today().isoformat())

    def get_queryset(self):
        self.queryset = (
            (
                selectors.review_overdue_pages()
                & self.permission_policy.instances_user_has_any_permission_for(
                    self.request.user, ["add", "change", "publish"]
                )
            )
            .annotate(due=selectors.review_due_expression())
            .order_by("due", "path")
            .specific()
        )
        return super().get_queryset()


@hooks.register("register_admin_urls")
def register_review_due_urls():
    return [
        path("reports/review-due/", ReviewDueReportView.as_view(), name="knowledge_review_due"),
        path(
            "reports/review-due/results/",
            ReviewDueReportView.as_view(results_only=True),
            name="knowledge_review_due_results",
        ),
    ]


class ReviewDueMenuItem(MenuItem):
    def is_shown(self, request):
        return policy_registry.get_by_type(Page).user_has_any_permission(
            request.user, ["add", "change", "publish"]
        )


@hooks.register("register_reports_menu_item")
def register_review_due_menu_item():
    return ReviewDueMenuItem(
        _("待复核指引"), reverse("knowledge_review_due"), name="review-due", icon_name="time", order=650
    )
