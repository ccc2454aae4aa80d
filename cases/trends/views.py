"""统计分析 in the admin: one tab per section, each table with its chart and exports,
and the printable monthly report of a district."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cases.permissions import can_view_statistics

from . import exports
from .forms import TrendFilterForm
from .monthly import MonthlyReportForm, monthly_report
from .selectors import SECTIONS, sections_for


class TrendsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/admin/trends.html"
    page_title = _("统计分析")
    header_icon = "history"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not can_view_statistics(request.user):
            raise PermissionDenied
        self.section = kwargs.get("section") or "intake"
        if self.section not in sections_for(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        form = TrendFilterForm(request.GET, today=today, user=request.user)
        tables = None
        if form.is_valid():
            tables = SECTIONS[self.section][1](request.user, form.trend_filter())
            export, fmt = request.GET.get("export"), request.GET.get("format")
            if export and fmt in ("xlsx", "csv"):
                return self.export(form, tables, export, fmt)
        context = self.get_context_data(form=form, tables=tables)
        response = self.render_to_response(context)
        if tables is None:
            response.status_code = 400
        return response

    def export(self, form, tables, key: str, fmt: str):
        data = form.cleaned_data
        name = f"bancheng-trends-{self.section}-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
        if key == "all" and fmt == "xlsx":
            return exports.xlsx_response(tables, name)
        chosen = [t for t in tables if t.key == key]
        if not chosen:
            raise Http404
        name = f"{name}-{key}"
        return exports.xlsx_response(chosen, name) if fmt == "xlsx" else exports.csv_response(chosen[0], name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs["form"]
        query = form.query() if kwargs.get("tables") is not None else {}
        context["tabs"] = [
            {"key": key, "label": SECTIONS[key][0], "active": key == self.section,
             "url": reverse("case_trends", args=[key]) + ("?" + urlencode(query) if query else "")}
            for key in sections_for(self.request.user)
        ]
        context["section_label"] = SECTIONS[self.section][0]
        context["export_base"] = "?" + urlencode(query) + "&" if query else "?"
        context["monthly_url"] = reverse("case_trends_monthly")
        return context


class MonthlyReportView(TemplateView):
    """A district's month on paper: headline figures, the trend tables of the month and the
    类案 that became standing measures. Its own page (not the admin frame) so it prints clean."""

    template_name = "cases/admin/trends_monthly.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(reverse("wagtailadmin_login") + "?" + urlencode({"next": request.get_full_path()}))
        if not can_view_statistics(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        form = MonthlyReportForm(request.GET, today=today, user=request.user)
        report = None
        if form.is_valid():
            report = monthly_report(request.user, month=form.cleaned_data["month"],
                                    district=form.cleaned_data.get("district"), today=today)
        response = render(request, self.template_name, {"form": form, "report": report,
                                                        "trends_url": reverse("case_trends", args=["intake"])})
        if report is None:
            response.status_code = 400
        return response


def public_statistics(request):
    """数据公开: monthly aggregates for everyone (cached like any public page)."""
    from .public import MIN_CELL, public_tables

    return render(request, "cases/statistics_public.html",
                  {"tables": public_tables(timezone.localdate()), "min_cell": MIN_CELL})
