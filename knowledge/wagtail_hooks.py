"""Admin wiring: taxonomy snippets, the reader-feedback listing and the
"待复核指引" report. Everything here is stock Wagtail viewsets and reports."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views.generic.models import CreateView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.views.reports import PageReportView
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from kernel.record_viewsets import RecordViewSetMixin

from . import selectors, services
from .models import ArticleFeedback, Department, District, Policy, PolicyChange, ServiceItem
from .acknowledgements import ACKNOWLEDGED_ACTION, WITHDRAWN_ACTION
from .publish_guard import guard_before_publish_page
from .workflows import staff_department_id


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


class YesNoColumn(BooleanColumn):
    """Tick or cross with 是/否 beside it: the stock column's only text is an English "True"/"False" tooltip."""

    cell_template_name = "knowledge/admin/yes_no_cell.html"


class ArticleFeedbackViewSet(ModelViewSet):
    model = ArticleFeedback
    icon = "comment"
    menu_label = _("读者反馈")
    menu_order = 260
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["page", YesNoColumn("helpful", label=_("有帮助"), sort_key="helpful"), "comment", "created_at"]
    list_filter = ["helpful", "created_at", "page"]
    list_export = ["page", "get_helpful_display", "comment", "created_at"]
    export_headings = {"get_helpful_display": _("有帮助")}
    search_fields = ["comment"]
    search_backend_name = None
    form_fields = ["page", "helpful", "comment"]
    inspect_view_fields = ["page", "helpful", "comment", "created_at"]  # not the opaque reader marker


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

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        pages = list(context.get("object_list") or [])
        flags = selectors.open_flags_by_page(p.pk for p in pages)
        for page in pages:
            page.open_flags = flags.get(page.pk, [])
        return context

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


# --- Issue 5: publish guard, policy changes, drafts from cases -----------------

# The edit/create views stop here with a message before anything is published;
# PersonalDataGuardedPublishMixin covers the paths that bypass these views.
hooks.register("before_publish_page", guard_before_publish_page)


@hooks.register("register_log_actions")
def register_knowledge_log_actions(actions):
    actions.register_action(
        selectors.DRAFT_FROM_CASE_ACTION, _("由案件起草"), _("由已办结案件起草（已去除个人信息）")
    )

    def acknowledged_message(log_entry):
        data = log_entry.data or {}
        return _("确认为%(category)s：%(text)s（理由：%(reason)s）") % {
            "category": data.get("category", ""), "text": data.get("text", ""), "reason": data.get("reason", ""),
        }

    def withdrawn_message(log_entry):
        data = log_entry.data or {}
        return _("撤销公开信息确认：%(text)s") % {"text": data.get("text", "")}

    actions.register_action(ACKNOWLEDGED_ACTION, _("确认公开信息"), acknowledged_message)
    actions.register_action(WITHDRAWN_ACTION, _("撤销公开信息确认"), withdrawn_message)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def audit_public_info_acknowledgements(request, page):
    """Every acknowledgement an editor adds or withdraws is a page-history entry on its revision."""
    services.page_acknowledgements_audit(page=page, user=request.user)


class PolicyChangeCreateView(CreateView):
    """Registering a change runs the service: flags content, drafts the guide.

    A liaison speaks for their own department only: the department field offers
    just that one and is filled in when left empty, so the drafted guide comes
    back to them for 部门会签. The new policy is chosen from the library or, when
    it is not on file yet, added from the same form.
    """

    def own_department(self):
        user = self.request.user
        if user.is_superuser:
            return None
        department_id = staff_department_id(user)
        return Department.objects.filter(pk=department_id).first() if department_id else None

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        own = self.own_department()
        if own is not None and "department" in form.fields:
            field = form.fields["department"]
            field.queryset = field.queryset.filter(pk=own.pk)
            field.initial = own.pk
            field.empty_label = None
        return form

    def save_instance(self):
        data = self.form.cleaned_data
        new_policy = data.get("new_policy")
        if new_policy is None:
            new_policy = services.policy_create(
                title=data["new_policy_title"],
                issuing_body=data["new_policy_issuing_body"],
                document_number=data.get("new_policy_document_number") or "",
                effective_date=data["effective_date"],
                summary=data.get("new_policy_summary") or "",
                service_items=data.get("service_items") or [],
                author=self.request.user,
            )
        return services.policy_change_register(
            old_policy=data["old_policy"],
            new_policy=new_policy,
            effective_date=data["effective_date"],
            transition_end=data.get("transition_end"),
            service_items=data.get("service_items") or [],
            tags=data.get("tags") or [],
            department=data.get("department") or self.own_department(),
            note=data.get("note") or "",
            author=self.request.user,
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            # Raised inside the view's atomic block: nothing was saved.
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    target = field if field in form.fields else f"new_policy_{field}"
                    form.add_error(target if target in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)

    def get_edit_url(self):
        # Changes are not edited after registration; the success message links to the record.
        return reverse("policy_changes:inspect", args=(self.object.pk,))

    def get_success_url(self):
        # The change's own page lists what it flagged and links the drafted guide.
        return reverse("policy_changes:inspect", args=(self.object.pk,))

    def get_success_buttons(self):
        # Wagtail's "编辑" button led back to the very page the message is shown on, and a
        # registered change is not edited: no button.
        return []

    def get_success_message(self, instance):
        flagged = instance.flags.count()
        return _("已登记政策变化：%(n)d 篇指引已标记为待复核，已创建衔接指引草稿并提交审核。") % {"n": flagged}


class PolicyChangeInspectView(InspectView):
    """The change as a record: what it flagged (with links), the drafted guide, local times."""

    template_name = "knowledge/admin/policy_change_inspect.html"

    def get_registered_at_display_value(self):
        from django.utils import formats, timezone as tz

        return formats.date_format(tz.localtime(self.object.registered_at), "Y年n月j日 H:i")

    def get_transition_end_display_value(self):
        from django.utils import formats

        end = self.object.transition_end
        return formats.date_format(end, "Y年n月j日") if end else _("未设过渡期")

    def get_guide_display_value(self):
        return self.object.guide.title if self.object.guide_id else "-"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change = self.object
        context["flags"] = selectors.policy_change_flags(change)
        context["guide"] = change.guide
        if change.guide_id:
            context["guide_edit_url"] = reverse("wagtailadmin_pages:edit", args=(change.guide_id,))
            # A liaison may not edit the guide, only review it: while it waits in the workflow
            # its task preview is the one they may open (view_draft needs edit rights).
            task_state = change.guide.current_workflow_task_state
            context["guide_preview_url"] = (
                reverse("wagtailadmin_pages:workflow_preview", args=(change.guide_id, task_state.task_id))
                if task_state is not None
                else reverse("wagtailadmin_pages:view_draft", args=(change.guide_id,))
            )
        context["pending"] = change.effective_date > timezone.localdate()
        return context


class PolicyChangeViewSet(RecordViewSetMixin, ModelViewSet):
    model = PolicyChange
    icon = "doc-full-inverse"
    menu_label = _("政策变化登记")
    menu_order = 255
    add_to_admin_menu = True
    add_view_class = PolicyChangeCreateView
    inspect_view_class = PolicyChangeInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    search_backend_name = None
    list_display = ["__str__", "effective_date", "transition_end", "department", "registered_at", "guide"]
    list_filter = ["effective_date", "department"]
    search_fields = ["note", "old_policy__title", "new_policy__title"]
    form_fields = [
        "old_policy",
        "new_policy",
        "new_policy_title",
        "new_policy_document_number",
        "new_policy_issuing_body",
        "new_policy_summary",
        "effective_date",
        "transition_end",
        "service_items",
        "tags",
        "department",
        "note",
    ]
    inspect_view_fields = [
        "old_policy", "new_policy", "effective_date", "transition_end", "service_items", "tags",
        "department", "note", "registered_by", "registered_at", "guide",
    ]

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory
        from wagtail.admin.forms import WagtailAdminModelForm

        from .forms import PolicyChangeFormMixin

        base = type("PolicyChangeBaseForm", (PolicyChangeFormMixin, WagtailAdminModelForm), {
            "field_order": self.form_fields,
        })
        return modelform_factory(
            self.model, form=base, formfield_callback=self.formfield_for_dbfield, fields=self.form_fields
        )

    def get_urlpatterns(self):
        # A registered change has already flagged content and drafted its guide:
        # it is a record, not a form to edit or delete afterwards.
        return [p for p in super().get_urlpatterns() if p.name not in ("edit", "delete")]



@hooks.register("register_admin_viewset")
def register_policy_change_viewset():
    return PolicyChangeViewSet("policy_changes")


@hooks.register("after_edit_page")
def return_reviewers_without_page_access_to_the_dashboard(request, page):
    """After 会签通过 a liaison may no longer open the page or its section; Wagtail would send
    them to the section's listing and show "no permission", as if the signature had failed."""
    from django.shortcuts import redirect
    from wagtail.admin.navigation import get_site_for_user

    if not request.POST.get("action-workflow-action") or request.GET.get("next"):
        return None
    if get_site_for_user(request.user)["root_page"] is None:
        return redirect("wagtailadmin_home")
    return None
