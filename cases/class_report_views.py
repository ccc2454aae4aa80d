"""Admin view of the recurring classes (一类事) report, ready to register.

Wiring (owner of cases/wagtail_hooks.py):
    @hooks.register("register_admin_urls")
    def _class_report_urls():
        return [path("cases/classes/", ClassReportView.as_view(), name="case_classes")]
plus a menu item under "办不成事工作台" for users with a case-viewing permission.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .class_report import recurring_classes_for
from .clustering import CAUSE_LABELS, class_threshold
from .intelligence_views import _allowed


class ClassReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/intelligence/class_report.html"
    page_title = _("一类事：反复出现的问题")
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        if not _allowed(request.user):
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
        )
        return context
