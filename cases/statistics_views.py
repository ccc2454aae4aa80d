"""工作统计: the admin report of the window's figures, on screen and as an XLSX file."""

from __future__ import annotations

import datetime
import io

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from kernel.exports import xlsx_append

from .forms import StatisticsFilterForm
from .permissions import can_view_statistics
from .statistics import CaseStatistics, Rate, case_statistics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period_presets(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """本月 / 上月 / 本季度 / 本年, as (label, from, to)."""
    month_start = today.replace(day=1)
    last_month_end = month_start - datetime.timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return [
        (gettext("本月"), month_start, today),
        (gettext("上月"), last_month_end.replace(day=1), last_month_end),
        (gettext("本季度"), quarter_start, today),
        (gettext("本年"), today.replace(month=1, day=1), today),
    ]


class StatisticsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cases/admin/statistics.html"
    page_title = _("工作统计")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        # Home › this report: the header then names the page instead of only "首页".
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not can_view_statistics(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        form = StatisticsFilterForm(request.GET, today=today)
        stats = None
        if form.is_valid():
            data = form.cleaned_data
            stats = case_statistics(
                user=request.user, date_from=data["date_from"], date_to=data["date_to"],
                district=data.get("district"), today=today,
            )
            if request.GET.get("format") == "xlsx":
                return self.xlsx_response(stats)
        context = self.get_context_data(form=form, stats=stats, today=today)
        response = self.render_to_response(context)
        if stats is None:
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stats: CaseStatistics | None = kwargs.get("stats")
        context["presets"] = [
            {"label": label, "url": "?" + urlencode({"date_from": f.isoformat(), "date_to": t.isoformat()})}
            for label, f, t in period_presets(kwargs["today"])
        ]
        if stats is not None:
            query = {"date_from": stats.date_from.isoformat(), "date_to": stats.date_to.isoformat(), "format": "xlsx"}
            if stats.district is not None:
                query["district"] = stats.district.pk
            context["xlsx_url"] = "?" + urlencode(query)
            context["overview"] = overview(stats)
            if stats.open_overdue:
                # Open cases only: the same set in the case list (the library there holds closed ones).
                filters = {"deadline_state": "overdue", "created_at_after": stats.date_from.isoformat(),
                           "created_at_before": stats.date_to.isoformat()}
                if stats.district is not None:
                    filters["district"] = stats.district.pk
                context["overdue_url"] = reverse("cases:index") + "?" + urlencode(filters)
            context["sections"] = sections(stats)
        return context

    def xlsx_response(self, stats: CaseStatistics) -> HttpResponse:
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for title, headings, rows in [(gettext("总览"), [gettext("指标"), gettext("数值")], overview(stats))] + [
            (s["title"], s["headings"], s["rows"]) for s in sections(stats)
        ]:
            sheet = book.create_sheet(title=title[:31])
            xlsx_append(sheet, list(headings))
            for row in rows:
                # Names of districts, items and departments are typed by people: never formulas.
                xlsx_append(sheet, [str(v) if v is not None else "" for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        name = f"bancheng-statistics-{stats.date_from:%Y%m%d}-{stats.date_to:%Y%m%d}.xlsx"
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def overview(stats: CaseStatistics) -> list[tuple[str, object]]:
    """The headline figures, in the order a monthly report gives them."""
    days = "—" if stats.days_to_close_mean is None else f"{stats.days_to_close_mean} / {stats.days_to_close_median}"
    return [
        (gettext("统计区间"), f"{stats.date_from:%Y-%m-%d} 至 {stats.date_to:%Y-%m-%d}"),
        (gettext("受理"), stats.total),
        (gettext("办结"), stats.closed),
        (gettext("办结率"), stats.closure),
        (gettext("按时办结率"), f"{stats.on_time}（{stats.closed_on_time}/{stats.closed_with_deadline}）"),
        (gettext("超期未办结"), stats.open_overdue),
        (gettext("办结用时（天，平均/中位）"), days),
        (gettext("提级督办"), stats.escalated),
        (gettext("退单/改派次数"), stats.returns),
        (gettext("已评价"), stats.rated),
        (gettext("满意率"), f"{stats.satisfaction}（{stats.satisfied}/{stats.rated}）"),
        (gettext("差评"), stats.dissatisfied),
        (gettext("差评整改（已验收/总数）"), f"{stats.rectifications_verified}/{stats.rectifications}"),
        (gettext("由案件起草的指引（已发布/总数）"), f"{stats.guides_published}/{stats.guides_drafted}"),
        (gettext("已有指引解决的案件"), stats.cases_resolved_by_guide),
        (gettext("办结案件中有指引沉淀的（一件事→一类事）"),
         f"{stats.guide_conversion}（{stats.closed_with_guide}/{stats.closed}）"),
        (gettext("涉及类案"), stats.class_cases),
    ]


def sections(stats: CaseStatistics) -> list[dict]:
    """The breakdown tables: title, headings and plain rows (the screen and the XLSX share them)."""
    def counted(rows):
        return [(r.label, r.count, r.closed, r.closure) for r in rows]

    by_count = [gettext("受理"), gettext("办结"), gettext("办结率")]
    return [
        {"title": gettext("按月"), "headings": [gettext("月份"), *by_count], "rows": counted(stats.by_month)},
        {"title": gettext("按渠道"), "headings": [gettext("渠道"), *by_count], "rows": counted(stats.by_channel)},
        {"title": gettext("按分类"), "headings": [gettext("分类"), *by_count],
         "rows": counted(stats.by_classification)},
        {"title": gettext("按堵点原因"), "headings": [gettext("堵点原因"), *by_count], "rows": counted(stats.by_cause)},
        {"title": gettext("按办理结果"), "headings": [gettext("办理结果"), gettext("件数"), gettext("占办结比例")],
         "rows": [(r.label, r.count, Rate(r.count, stats.closed)) for r in stats.by_outcome]},
        {"title": gettext("按区"), "headings": [gettext("区"), *by_count], "rows": counted(stats.by_district)},
        {"title": gettext("高频事项"), "headings": [gettext("事项"), *by_count], "rows": counted(stats.by_service_item)},
        {"title": gettext("部门办理"),
         "headings": [gettext("部门"), gettext("主办"), gettext("协办"), gettext("已答复"), gettext("按时答复率"),
                      gettext("退单"), gettext("超期未答复")],
         "rows": [(r.department, r.lead, r.co, r.replied, r.on_time, r.returned, r.overdue_open)
                  for r in stats.by_department]},
    ]
