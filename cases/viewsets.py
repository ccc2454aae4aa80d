"""The "办不成事工作台" admin: Wagtail viewsets for cases, dispatches and settings.

Every view scopes its queryset with ``cases.selectors.visible_cases_for`` and
checks actions with ``cases.permissions``; a case outside the user's scope is
a 404 whatever the URL. Writes go through ``cases.services``.
"""

from __future__ import annotations

import base64
import logging
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.admin.ui.tables import Column, Table, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from django.views.generic import FormView, TemplateView

from kernel.origin import followed_from_another_site
from kernel.record_viewsets import RecordViewSetMixin

from cases import actions as case_actions
from cases import forms as case_forms
from cases import ledger_import, selectors, services
from cases.filters import CaseFilterSet
from cases.models import (
    Case,
    ClassCase,
    ClassDeadlinePolicy,
    Dispatch,
    ServiceHall,
    StaffProfile,
    WorkingDayOverride,
)
from cases.permissions import (
    can_export,
    can_import,
    can_use_case_intelligence,
    can_view_personal_data,
    profile_of,
)

logger = logging.getLogger(__name__)


def _apply_errors(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        renamed = getattr(form, "service_field_names", {})
        for field, errors in exc.message_dict.items():
            field = renamed.get(field, field)
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


# --- case listing -------------------------------------------------------------


# Case-desk tables keep short values on one line ("窗口", "虹口区", a date) and give the free
# text the rest; on a phone the table scrolls sideways instead of squeezing every column
# to one character a line (case_desk_admin.css).
NOWRAP = "case-col-nowrap"
TEXT = "case-col-text"


def iso_date_column(name: str, label) -> Column:
    """A date as 2026-12-10, as everywhere else on the desk (Wagtail's column localises it to
    年月日), sortable, on one line."""
    return Column(name, label=label, sort_key=name, classname=NOWRAP,
                  accessor=lambda obj: value.isoformat() if (value := getattr(obj, name)) else "")


class CaseTable(Table):
    classname = "listing case-listing"

    def __init__(self, *args, today=None, soon=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.soon = soon

    def get_row_classname(self, instance):
        state = selectors.deadline_state(instance, self.today, self.soon)
        return {"overdue": "case-row--overdue", "due_soon": "case-row--due-soon"}.get(state, "")


def _deadline_label(case):
    state = selectors.deadline_state(case)
    if not case.deadline:
        return ""
    label = case.deadline.isoformat()
    if state == "overdue":
        return f"{label} {_('已超期')}"
    if state == "due_soon":
        return f"{label} {_('即将到期')}"
    return label


class CaseStatusColumn(Column):
    """The status with 退单 / 提级督办 badges from the case's own fields, so no query per row."""

    cell_template_name = "cases/admin/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["return_count"] = instance.return_count
        context["escalated"] = instance.escalated
        return context


def _matter_snippet(case) -> str:
    # Listings are masked for everyone: the matter may quote a phone number or a name.
    text = selectors.deidentified_text(case.matter, case)
    return text[:40] + ("…" if len(text) > 40 else "")


class CaseIndexView(IndexView):
    table_class = CaseTable
    results_template_name = "cases/admin/case_index_results.html"
    export_headings = {
        "tracking_number": gettext_lazy("受理编号"),
        "created_at": gettext_lazy("登记时间"),
        "channel_label": gettext_lazy("反映渠道"),
        "district_name": gettext_lazy("所属区"),
        "reporter_name": gettext_lazy("反映人"),
        "reporter_phone": gettext_lazy("联系电话"),
        "reporter_id_number": gettext_lazy("身份证号码"),
        "enterprise_name": gettext_lazy("企业名称"),
        "credit_code": gettext_lazy("统一社会信用代码"),
        "matter": gettext_lazy("反映事项"),
        "classification_label": gettext_lazy("分类"),
        "status_label": gettext_lazy("状态"),
        "deadline": gettext_lazy("办理时限"),
        "outcome_label": gettext_lazy("办理结果"),
    }
    list_export = list(export_headings)

    def get_base_queryset(self):
        return selectors.visible_cases_for(self.request.user)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return selectors.case_text_search(queryset, self.search_query, user=self.request.user,
                                          fields=self.search_fields)

    def dispatch(self, request, *args, **kwargs):
        if request.GET.get("export") and not can_export(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def show_export_buttons(self):
        return can_export(self.request.user)

    def get_filename(self):
        return f"cases-{timezone.localdate():%Y%m%d}"

    @cached_property
    def full_personal_data(self):
        return can_view_personal_data(self.request.user)

    # Set once the user has confirmed a full-personal-data export and given a reason.
    export_reason = None

    def get(self, request, *args, **kwargs):
        if self.is_export and self.full_personal_data and self.export_reason is None:
            return self.export_confirmation(case_forms.PersonalDataExportForm())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        """The confirmation form posts back to the export URL (the filters stay in its query string)."""
        if not (self.is_export and self.full_personal_data):
            return HttpResponseNotAllowed(["GET"])
        form = case_forms.PersonalDataExportForm(request.POST)
        if not form.is_valid():
            return self.export_confirmation(form, status=400)
        self.export_reason = form.cleaned_data["reason"]
        return super().get(request, *args, **kwargs)

    def export_confirmation(self, form, status=200):
        page = ExportConfirmationPage()
        page.setup(self.request)
        context = page.get_context_data(
            form=form,
            export_format=self.request.GET.get("export", "").upper(),
            case_count=self.get_queryset().count(),
            back_url=reverse(self.index_url_name),
        )
        return TemplateResponse(self.request, page.template_name, context, status=status)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if self.full_personal_data:
            # Logged before the first byte leaves, so a broken download is still on record.
            services.case_log_personal_data_export(
                cases=queryset, author=self.request.user, export_format=spreadsheet_format,
                reason=self.export_reason or "",
            )
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def to_row_dict(self, item):
        reporter = selectors.reporter_values_for(self.request.user, item)
        values = {
            "tracking_number": item.tracking_number,
            "created_at": timezone.localtime(item.created_at).strftime("%Y-%m-%d %H:%M"),
            "channel_label": item.get_channel_display(),
            "district_name": item.district.name,
            "reporter_name": reporter["reporter_name"],
            "reporter_phone": reporter["reporter_phone"],
            "reporter_id_number": reporter["reporter_id_number"],
            "enterprise_name": reporter["enterprise_name"],
            "credit_code": reporter["credit_code"],
            "matter": item.matter if self.full_personal_data else selectors.deidentified_text(item.matter, item),
            "classification_label": item.get_classification_display(),
            "status_label": item.get_status_display(),
            "deadline": item.deadline.isoformat() if item.deadline else "",
            "outcome_label": item.get_outcome_display(),
        }
        return {field: values[field] for field in self.list_export}

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        kwargs["today"] = timezone.localdate()
        kwargs["soon"] = selectors.due_soon_limit(kwargs["today"])
        return kwargs

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "tracking_number",
                label=_("受理编号"),
                get_url=lambda case: reverse(self.inspect_url_name, args=[case.pk]),
                sort_key="tracking_number",
                classname=f"w-text-16 {NOWRAP}",
            ),
            CaseStatusColumn(
                "status", label=_("状态"), accessor="get_status_display", sort_key="status", classname="case-col-status"
            ),
            Column("classification", label=_("分类"), accessor="get_classification_display", classname=NOWRAP),
            Column("channel", label=_("渠道"), accessor="get_channel_display", classname=NOWRAP),
            Column("district", label=_("所属区"), accessor="district.name", classname=NOWRAP),
            Column(
                "reporter",
                label=_("反映人"),
                accessor=lambda c: f"{selectors.masked_reporter(c)['reporter_name']} "
                f"{selectors.masked_reporter(c)['reporter_phone']}",
                classname="case-col-reporter",
            ),
            Column("matter", label=_("反映事项"), accessor=_matter_snippet, classname=TEXT),
            Column("deadline", label=_("办理时限"), accessor=_deadline_label, sort_key="deadline",
                   classname="case-col-deadline"),
            Column("created_at", label=_("登记时间"), accessor=lambda c: timezone.localtime(c.created_at).strftime("%Y-%m-%d"),
                   sort_key="created_at", classname=NOWRAP),
        ]

    @cached_property
    def header_buttons(self):
        # Exports are a daily task for 研判员 and 督办: in the header beside 添加, not only inside "⋯".
        buttons = list(super().header_buttons)
        if self.show_export_buttons:
            buttons += [
                HeaderButton(_("导出 XLSX"), url=self.xlsx_export_url, icon_name="download", classname="case-export-button"),
                HeaderButton(_("导出 CSV"), url=self.csv_export_url, icon_name="download", classname="case-export-button"),
            ]
        return buttons

    @cached_property
    def header_more_buttons(self):
        # The exports stay in "⋯" too: on a phone the header has room for the title only.
        buttons = super().header_more_buttons.copy()
        if can_import(self.request.user):
            buttons.append(
                Button(_("导入历史台账"), url=reverse("cases:import"), icon_name="upload", priority=95)
            )
        return buttons


class ExportConfirmationPage(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/admin/export_confirm.html"
    page_title = gettext_lazy("导出含完整个人信息的案件清单")
    header_icon = "download"


class OverdueCaseIndexView(CaseIndexView):
    page_title = gettext_lazy("超期与即将到期")

    def get_base_queryset(self):
        qs = super().get_base_queryset()
        return (selectors.overdue_cases(qs) | selectors.due_soon_cases(qs)).order_by("deadline")


# --- case page ---------------------------------------------------------------

class CaseInspectView(InspectView):
    template_name = "cases/admin/case_inspect.html"
    page_title = gettext_lazy("案件详情")

    def get_object(self, queryset=None):
        try:
            return selectors.get_visible_case(self.request.user, self.pk)
        except (Case.DoesNotExist, ValueError):
            raise Http404

    def get_page_subtitle(self):
        return self.object.tracking_number

    @cached_property
    def offered_actions(self):
        return case_actions.offered(self.request.user, self.object)

    def get_context_data(self, bound_action=None, bound_form=None, refusal="", **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = self.object
        # A reveal is a clerk's own click: a link on another site's page (Sec-Fetch-Site) would
        # otherwise write "查看个人信息" entries in their name on any case it points at.
        reveal = (
            self.request.GET.get("reveal") == "1" and can_view_personal_data(user)
            and not followed_from_another_site(self.request)
        )
        if reveal:
            services.case_log_personal_data_view(case=case, author=user)
            reporter = selectors.reporter_values_for(user, case)
        else:
            reporter = selectors.masked_reporter(case)
        full_text = can_view_personal_data(user)

        def shown(text, owner=case):
            # Roles without personal-data rights read free text de-identified.
            return text if full_text else selectors.deidentified_text(text, owner)

        timeline = [(entry, shown(entry.text, entry.case)) for entry in selectors.case_full_timeline(case)]
        offered = self.offered_actions
        next_step = None if bound_action else case_actions.next_action(case, offered)
        forms = []
        for action in offered:
            bound = action.name == bound_action
            form = bound_form if bound and bound_form is not None else action.build_form(user, case)
            forms.append({
                "name": action.name, "label": action.label, "form": form,
                "open": bound or action is next_step, "next": action is next_step,
                "refusal": refusal if bound else "",
            })
        if bound_action and refusal and bound_action not in {item["name"] for item in forms}:
            # The action is no longer offered (the case moved on): still say why, at the top.
            forms.insert(0, {"name": bound_action, "label": case_actions.get(bound_action).label,
                             "form": None, "open": True, "next": False, "refusal": refusal})
        context.update(
            {
                "case": case,
                "reporter": reporter,
                "revealed": reveal,
                "can_reveal": can_view_personal_data(user) and not reveal,
                "full_text": full_text,  # read by {% shown %} for every other free-text field
                "timeline": timeline,
                "matter_text": shown(case.matter),
                "failure_text": shown(case.counter_failure_reason),
                "summary_text": shown(case.resolution_summary),
                "merged_ids": selectors.merged_case_ids(case),
                "article_links": selectors.case_article_links(case),
                # One-click "这篇指引解决了" / "引用办理步骤" buttons in the precedent panel.
                "panel_actions": [a for a in ("link_article", "quote_article") if a in {f["name"] for f in forms}],
                # The lead first ("lead" sorts after "co"), then by deadline.
                "dispatches": case.dispatches.select_related("department").order_by("-role", "deadline", "id"),
                "materials": case.materials.all(),
                "extensions": case.extensions.all(),
                "rectifications": case.rectifications.all(),
                "return_visits": case.return_visits.all(),
                "deadline_state": selectors.deadline_state(case),
                "action_forms": forms,
                "next_action": next_step,
                # A suggestion is for a case nobody has classified yet; once saved it is stale.
                "show_suggestion": "triage" in {item["name"] for item in forms} and case.is_open
                and not case.classification,
                "edit_intake_url": (
                    reverse("cases:edit", args=[case.pk])
                    if case_actions.user_can(user, case_actions.get("edit_intake"), case) else ""
                ),
            }
        )
        return context

    @cached_property
    def header_more_buttons(self):
        return []

    def post(self, request, *args, **kwargs):
        name = request.POST.get("action", "")
        action = case_actions.BY_NAME.get(name)
        if action is None or not action.inline:
            raise Http404
        if not case_actions.has_role_for(request.user, action, self.object):
            # A plain 403 (not Wagtail's redirect): the action is refused, nothing changes.
            return HttpResponseForbidden(_("您没有执行该操作的权限。"))
        version = case_actions.parse_version(request.POST.get("version"))
        try:
            # Said before the form is read: a stale or finished case needs no corrections.
            case_actions.check(request.user, action, self.object, version)
        except case_actions.ActionRefused as refused:
            return self._refuse(name, refused)
        form = action.build_form(request.user, self.object, request.POST)
        if form.is_valid():
            try:
                result = case_actions.run(
                    action, case=self.object, user=request.user, data=form.cleaned_data, version=version
                )
            except case_actions.ActionRefused as refused:
                return self._refuse(name, refused)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已保存：%(a)s。") % {"a": action.label})
                in_place = request.headers.get("X-Requested-With") == "XMLHttpRequest"
                if name == "draft_article":
                    url = reverse("wagtailadmin_pages:edit", args=(result.pk,))
                    if in_place:
                        response = HttpResponse(status=204)
                        response["X-Case-Desk-Location"] = url
                        return response
                    return HttpResponseRedirect(url)
                if in_place:
                    # The saved page in this very answer (no redirect, so its message cannot be
                    # taken by another request of the same session in between).
                    self.object.refresh_from_db()
                    self.__dict__.pop("offered_actions", None)
                    return TemplateResponse(request, self.template_name, self.get_context_data())
                return HttpResponseRedirect(reverse("cases:inspect", args=[self.object.pk]))
        self.object.refresh_from_db()
        messages.error(request, _("未保存，请根据提示修改后重试。"))
        context = self.get_context_data(bound_action=name, bound_form=form)
        return TemplateResponse(request, self.template_name, context, status=400)

    def _refuse(self, name: str, refused):
        """Nothing was saved; the page (re-read) says why inside the action's own form."""
        self.object.refresh_from_db()
        self.__dict__.pop("offered_actions", None)
        messages.error(self.request, refused.message)
        action = case_actions.get(name)
        # Keep what was typed: on a stale page the same entry can be sent again as it is.
        form = action.build_form(self.request.user, self.object, self.request.POST) if action.form else None
        context = self.get_context_data(bound_action=name, bound_form=form, refusal=refused.message)
        return TemplateResponse(self.request, self.template_name, context, status=refused.status)


# --- register and edit ---------------------------------------------------------


class CaseDeskFormMixin:
    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("cases:index"), "label": _("案件")},
            {"url": "", "label": self.get_page_title()},
        ]


class CaseRegisterView(CaseDeskFormMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "cases/admin/case_form.html"
    form_class = case_forms.CaseRegisterForm
    page_title = gettext_lazy("受理登记")
    header_icon = "form"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("cases.add_case"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        profile = profile_of(self.request.user)
        initial = {"channel": Case.Channel.COUNTER}
        if profile:
            initial["hall"] = profile.hall
            initial["district"] = profile.district or (profile.hall.district if profile.hall else None)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_suggestion"] = True
        return context

    def form_valid(self, form):
        user = self.request.user
        data = form.cleaned_data
        primary = None
        if data.get("merge_into"):
            primary = selectors.responsible_cases_for(user).filter(pk=data["merge_into"]).first()
            if primary is None or not primary.is_open:
                form.add_error(None, _("要并入的案件不存在或已办结，请重新选择或直接登记。"))
                return self.form_invalid(form)
        elif not data.get("confirm_repeat"):
            repeats = selectors.repeated_registrations(
                user, reporter_phone=data.get("reporter_phone", ""), matter=data.get("matter", ""),
                reporter_id_number=data.get("reporter_id_number", ""), credit_code=data.get("credit_code", ""),
            )
            if repeats:
                # Telling the clerk the number is on file is a use of that person's data: on record.
                services.case_log_reporter_lookup(
                    cases=repeats, author=user, phone=data.get("reporter_phone", ""),
                    id_number=data.get("reporter_id_number", ""), credit_code=data.get("credit_code", ""),
                )
                form.add_error("confirm_repeat", _(
                    "该反映人 %(days)s 天内已登记过相同的反映事项（%(nos)s）。如属同一事项请并入该案；"
                    "如确需另行登记，请勾选此项后再次保存。"
                ) % {"days": selectors.REPEAT_DAYS, "nos": "、".join(c.tracking_number for c in repeats)})
                return self.form_invalid(form, repeats=repeats)
        try:
            if primary is not None:
                case = services.case_register_into(
                    primary=primary, author=user, reason=_("受理登记时确认为同一事项的重复反映。"),
                    **form.service_kwargs(),
                )
            else:
                case = services.case_register(author=user, **form.service_kwargs())
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        if primary is not None:
            messages.success(self.request, _("已受理登记，编号 %(no)s，并入案件 %(primary)s。") % {
                "no": case.tracking_number, "primary": primary.tracking_number})
            return HttpResponseRedirect(reverse("cases:inspect", args=[primary.pk]))
        messages.success(self.request, _("已受理登记，编号 %(no)s。") % {"no": case.tracking_number})
        return HttpResponseRedirect(reverse("cases:inspect", args=[case.pk]))

    def form_invalid(self, form, repeats=()):
        messages.error(self.request, _("未保存，请根据提示修改后重试。"))
        response = self.render_to_response(self.get_context_data(form=form, repeats=repeats))
        response.status_code = 400
        return response


class CaseEditView(CaseRegisterView):
    form_class = case_forms.CaseIntakeEditForm
    page_title = gettext_lazy("修改登记信息")

    def dispatch(self, request, *args, **kwargs):
        try:
            self.case = selectors.get_visible_case(request.user, kwargs["pk"])
        except (Case.DoesNotExist, ValueError):
            raise Http404
        if not case_actions.user_can(request.user, case_actions.get("edit_intake"), self.case):
            raise PermissionDenied
        return FormView.dispatch(self, request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if followed_from_another_site(request):
            # Not the clerk's own click (a link on another site's page): no view in their name.
            return HttpResponseRedirect(reverse("cases:inspect", args=[self.case.pk]))
        # The form is filled with the full name, phone and ID number: that is a view, and is logged.
        services.case_log_personal_data_view(case=self.case, author=request.user, purpose=_("修改登记信息"))
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        initial = {name: getattr(self.case, name) for name in services.INTAKE_FIELDS}
        initial["version"] = self.case.version
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["case"] = self.case
        # A triage suggestion helps only before someone has classified the case.
        context["show_suggestion"] = not self.case.classification
        return context

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if data.get("hall") and not data.get("district"):
            data["district"] = data["hall"].district
        try:
            services.case_update_intake(case=self.case, author=self.request.user, expected_version=version, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("登记信息已更新。"))
        return HttpResponseRedirect(reverse("cases:inspect", args=[self.case.pk]))


# --- ledger import -------------------------------------------------------------


class CaseImportView(CaseDeskFormMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "cases/admin/case_import.html"
    form_class = ledger_import.LedgerImportForm
    page_title = gettext_lazy("导入历史台账")
    header_icon = "upload"
    session_key = "cases_import_upload"

    def dispatch(self, request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        request = self.request
        upload = form.cleaned_data.get("file")
        token = form.cleaned_data.get("upload_token")
        stored = request.session.get(self.session_key, {})
        if upload:
            content = upload.read()
            filename = upload.name
            token = secrets.token_urlsafe(12)
            request.session[self.session_key] = {
                "token": token, "name": filename, "data": base64.b64encode(content).decode(),
            }
        elif token and stored.get("token") == token:
            content = base64.b64decode(stored["data"])
            filename = stored["name"]
        else:
            form.add_error("file", _("请选择要导入的 CSV 或 XLSX 文件。"))
            return self.form_invalid(form)
        try:
            result = ledger_import.preview(
                content=content, filename=filename, mapping=form.mapping(),
                default_district=form.cleaned_data["default_district"], user=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        context = self.get_context_data(form=form, result=result, upload_token=token)
        if result.errors or not form.cleaned_data.get("confirm"):
            return self.render_to_response(context, status=400 if result.errors else 200)
        cases = ledger_import.import_rows(rows=result.rows, author=request.user)
        request.session.pop(self.session_key, None)
        messages.success(request, _("已导入 %(n)d 条历史案件。") % {"n": len(cases)})
        return HttpResponseRedirect(reverse("cases:index"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def render_to_response(self, context, status=200, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.status_code = status
        return response


# --- viewsets ------------------------------------------------------------------


class CaseViewSet(RecordViewSetMixin, ModelViewSet):
    model = Case
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("案件")
    name = "cases"
    url_prefix = "cases/case"
    index_view_class = CaseIndexView
    inspect_view_class = CaseInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = CaseFilterSet
    list_per_page = 30
    search_fields = list(selectors.CASE_SEARCH_FIELDS)  # each role's matching is declared there
    add_to_reference_index = False

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", CaseRegisterView.as_view(), name="add"),
            path("edit/<int:pk>/", CaseEditView.as_view(), name="edit"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("import/", CaseImportView.as_view(), name="import"),
        ]

    def get_index_view_kwargs(self, **kwargs):
        kwargs = super().get_index_view_kwargs(**kwargs)
        kwargs["inspect_url_name"] = self.get_url_name("inspect")
        return kwargs


class OverdueCaseViewSet(CaseViewSet):
    name = "overdue_cases"
    url_prefix = "cases/overdue"
    menu_label = gettext_lazy("超期与即将到期")
    icon = "warning"
    index_view_class = OverdueCaseIndexView

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def get_index_view_kwargs(self, **kwargs):
        kwargs = super().get_index_view_kwargs(**kwargs)
        kwargs["inspect_url_name"] = "cases:inspect"
        kwargs["add_url_name"] = None
        return kwargs

    def on_register(self):
        # The main CaseViewSet owns URL finding and permissions for Case.
        self.register_menu_item()


class CaseDeskTable(Table):
    classname = "listing case-listing"


class MyDispatchIndexView(IndexView):
    page_title = gettext_lazy("我的待办")

    def get_base_queryset(self):
        return selectors.dispatches_for_user(self.request.user)

    @cached_property
    def full_personal_data(self):
        return can_view_personal_data(self.request.user)

    def _task_text(self, dispatch) -> str:
        # A task may quote the reporter (a phone, a 个体工商户's name): read de-identified, as on the case page.
        return dispatch.task if self.full_personal_data else selectors.deidentified_text(dispatch.task, dispatch.case)

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "case",
                label=_("受理编号"),
                accessor="case.tracking_number",
                get_url=lambda d: reverse("cases:inspect", args=[d.case_id]),
                classname=f"w-text-16 {NOWRAP}",
            ),
            Column("role", label=_("角色"), accessor="get_role_display", classname=NOWRAP),
            Column("task", label=_("任务"), accessor=self._task_text, classname=TEXT),
            iso_date_column("deadline", _("答复时限")),
            Column("department", label=_("承办部门"), accessor="department.name", classname="case-col-reporter"),
        ]

    table_class = CaseDeskTable


class MyDispatchViewSet(ModelViewSet):
    model = Dispatch
    name = "my_dispatches"
    url_prefix = "cases/my-dispatches"
    icon = "tasks"
    menu_label = gettext_lazy("我的待办")
    index_view_class = MyDispatchIndexView
    add_to_reference_index = False
    copy_view_enabled = False

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def get_index_view_kwargs(self, **kwargs):
        kwargs = super().get_index_view_kwargs(**kwargs)
        kwargs["add_url_name"] = None
        kwargs["edit_url_name"] = None
        kwargs["inspect_url_name"] = None
        kwargs["delete_url_name"] = None
        return kwargs

    @property
    def menu_item_class(self):
        from wagtail.admin.menu import MenuItem

        class DepartmentOnlyMenuItem(MenuItem):
            def is_shown(self, request):
                profile = profile_of(request.user)
                return bool(profile and profile.department_id and request.user.has_perm("cases.reply_dispatch"))

        return DepartmentOnlyMenuItem

    def register_admin_url_finder(self):
        pass


class ServiceHallViewSet(ModelViewSet):
    model = ServiceHall
    icon = "home"
    menu_label = gettext_lazy("服务大厅")
    name = "service_halls"
    url_prefix = "cases/halls"
    list_display = ["name", "district"]
    form_fields = ["name", "district"]
    add_to_reference_index = False


class StaffProfileViewSet(ModelViewSet):
    model = StaffProfile
    icon = "user"
    menu_label = gettext_lazy("工作人员档案")
    name = "staff_profiles"
    url_prefix = "cases/staff"
    list_display = ["user", "hall", "district", "department"]
    form_fields = ["user", "hall", "district", "department"]
    add_to_reference_index = False


class WorkingDayOverrideViewSet(ModelViewSet):
    model = WorkingDayOverride
    icon = "date"
    menu_label = gettext_lazy("节假日与调休")
    name = "working_days"
    url_prefix = "cases/working-days"
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    form_fields = ["date", "is_working_day", "note"]
    add_to_reference_index = False


class ClassDeadlinePolicyViewSet(ModelViewSet):
    model = ClassDeadlinePolicy
    icon = "time"
    menu_label = gettext_lazy("分类办理时限")
    name = "class_deadlines"
    url_prefix = "cases/class-deadlines"
    list_display = ["classification", "working_days"]
    form_fields = ["classification", "working_days"]
    add_to_reference_index = False


class ClassCaseInspectView(InspectView):
    """A 类案 with its member cases (visible ones only) and the close form."""

    template_name = "cases/admin/class_case_inspect.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["member_cases"] = selectors.visible_cases_for(user).filter(class_cases=self.object)
        can_close = user.has_perm("cases.change_classcase") and self.object.status != ClassCase.Status.CLOSED
        context["close_form"] = (form or case_forms.ClassCaseCloseForm()) if can_close else None
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("cases.change_classcase"):
            return HttpResponseForbidden(_("您没有执行该操作的权限。"))
        form = case_forms.ClassCaseCloseForm(request.POST)
        if form.is_valid():
            try:
                services.class_case_close(
                    class_case=self.object, author=request.user,
                    outcome_summary=form.cleaned_data["outcome_summary"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("类案已办结。"))
                return HttpResponseRedirect(reverse("class_cases:inspect", args=[self.object.pk]))
        return TemplateResponse(request, self.template_name, self.get_context_data(form=form), status=400)


class ClassCaseIndexView(IndexView):
    results_template_name = "cases/admin/class_case_index_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # There is no add button here: the empty list points to where a 类案 is opened.
        if can_use_case_intelligence(self.request.user):
            context["class_report_url"] = reverse("case_classes")
        return context


class ClassCaseViewSet(RecordViewSetMixin, ModelViewSet):
    model = ClassCase
    icon = "list-ul"
    menu_label = gettext_lazy("类案")
    name = "class_cases"
    url_prefix = "cases/class-cases"
    list_display = [
        "title", "owner_department", "required_outcome", "status",
        iso_date_column("deadline", ClassCase._meta.get_field("deadline").verbose_name),
    ]
    list_filter = ["status", "required_outcome"]
    inspect_view_enabled = True
    index_view_class = ClassCaseIndexView
    inspect_view_class = ClassCaseInspectView
    copy_view_enabled = False
    add_to_reference_index = False
    # Opening happens from the 一类事 report (services.class_case_open); here staff track and close.
    form_fields = ["title", "owner_department", "deadline", "status", "outcome_summary"]
    created_elsewhere = True


CASE_DESK_SUBMENU_HOOK = "register_case_desk_menu_item"


class CaseDeskViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("办不成事工作台")
    # Other modules add plain MenuItems to this submenu through this hook.
    submenu_hook = CASE_DESK_SUBMENU_HOOK
    menu_icon = "folder-inverse"
    menu_order = 150
    items = (
        CaseViewSet,
        OverdueCaseViewSet,
        MyDispatchViewSet,
        ClassCaseViewSet,
        ServiceHallViewSet,
        StaffProfileViewSet,
        WorkingDayOverrideViewSet,
        ClassDeadlinePolicyViewSet,
    )
