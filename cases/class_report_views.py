"""Admin view of the recurring classes (一类事) report, ready to register.

Wiring (owner of cases/wagtail_hooks.py):
    @hooks.register("register_admin_urls")
    def _class_report_urls():
        return [path("cases/classes/", ClassReportView.as_view(), name="case_classes")]
plus a menu item under "办不成事工作台" for users with a case-viewing permission.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseForbidden, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .class_report import recurring_classes_for
from .forms import ClassCaseOpenForm
from .clustering import CAUSE_LABELS, class_threshold
from .permissions import can_use_case_intelligence


class ClassReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/intelligence/class_report.html"
    page_title = _("一类事：反复出现的问题")
    header_icon = "list-ul"

    def get_breadcrumbs_items(self):
        # Home › this report: the header then names the page instead of only "首页".
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not can_use_case_intelligence(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        include_small = self.request.GET.get("all") == "1"
        rows = recurring_classes_for(user=self.request.user, include_small=include_small)
        context.update(
            rows=rows,
            threshold=class_threshold(),
            include_small=include_small,
            cause_labels=CAUSE_LABELS,
            can_open=can_open_class_case(self.request.user),
            open_form=kwargs.get("open_form") or ClassCaseOpenForm(),
            failed_ids=kwargs.get("failed_ids", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        """“开为类案”: the service re-checks the threshold on the cases the user can see."""
        if not can_open_class_case(request.user):
            # A plain 403, like refused case actions: nothing is created.
            return HttpResponseForbidden(gettext("您没有立类案的权限。"))
        form = ClassCaseOpenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                class_case = services.class_case_open(
                    case_ids=data["case_ids"], owner_department=data["owner_department"],
                    required_outcome=data["required_outcome"], author=request.user,
                    title=data.get("title") or "",
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, gettext("已立为类案：%(t)s。") % {"t": class_case.title})
                return HttpResponseRedirect(reverse("class_cases:index"))
        messages.error(request, gettext("未能立为类案，请根据提示修改后重试。"))
        context = self.get_context_data(open_form=form, failed_ids=request.POST.get("case_ids", ""))
        response = self.render_to_response(context)
        response.status_code = 400
        return response


def can_open_class_case(user) -> bool:
    return user.is_authenticated and user.has_perm("cases.add_classcase")
