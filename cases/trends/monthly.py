"""The monthly report of a district (月度报告): what 工作统计 gives for the month, the
month's trend tables, and the 类案 that became standing measures (长效机制) in it."""

from __future__ import annotations

import calendar
import datetime

from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import ClassCase, ServiceHall
from cases.selectors import responsible_cases_for
from cases.statistics import case_statistics, day_bounds
from cases.statistics_views import overview
from knowledge.models import Department, District

from .forms import choices_for
from .periods import MONTH
from .selectors import TrendFilter, intake_tables, ledger_tables, resolution_tables, satisfaction_tables


class MonthlyReportForm(forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.DateInput(attrs={"type": "month"}), max_length=7)
    district = forms.ModelChoiceField(label=_("区"), queryset=District.objects.all(), required=False,
                                      empty_label=_("全部（本人负责范围）"))

    def __init__(self, data, *, today: datetime.date, user, **kwargs):
        data = data.copy()
        if not data.get("month"):
            last = today.replace(day=1) - datetime.timedelta(days=1)
            data["month"] = f"{last:%Y-%m}"
        districts, _h, _d = choices_for(user, District.objects.all(), ServiceHall.objects.none(),
                                    Department.objects.none())
        if not data.get("district") and districts.count() == 1:
            data["district"] = str(districts.get().pk)
        super().__init__(data, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["month"].error_messages["required"] = _("请选择月份。")

    def clean_month(self):
        raw = self.cleaned_data["month"].strip()
        try:
            year, month = (int(p) for p in raw.split("-"))
            return datetime.date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError(_("请按“年-月”填写月份，例如 2026-03。")) from None


def monthly_report(user, *, month: datetime.date, district: District | None, today: datetime.date) -> dict:
    last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    f = TrendFilter(date_from=month, date_to=last_day, granularity=MONTH,
                    district_id=district.pk if district else None)
    stats = case_statistics(user=user, date_from=month, date_to=last_day, district=district, today=today)
    tables = [
        *[t for t in intake_tables(user, f) if t.key != "intake"],
        *resolution_tables(user, f),
        *satisfaction_tables(user, f),
        *ledger_tables(user, f),
    ]
    for table in tables:
        table.chart = None  # one month: the tables say it; charts belong to the trends
        if table.key in ("intake_class", "intake_cause"):
            table.note = ""  # the note reads the chart's bars
    start, end = day_bounds(month, last_day)
    cases = responsible_cases_for(user)
    if district is not None:
        cases = cases.filter(district=district)
    class_cases = (
        ClassCase.objects.filter(cases__in=cases).distinct()
        .select_related("owner_department")
        .annotate(n=Count("cases", filter=Q(cases__in=cases), distinct=True))
    )
    standing = class_cases.filter(status=ClassCase.Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    opened = class_cases.filter(created_at__gte=start, created_at__lt=end)
    return {
        "month": month,
        "last_day": last_day,
        "district": district,
        "title": gettext("%(place)s %(year)s 年 %(month)s 月办不成事反映窗口工作报告") % {
            "place": district.name if district else gettext("本人负责范围"), "year": month.year,
            "month": month.month},
        "overview": overview(stats),
        "tables": tables,
        "standing": list(standing.order_by("closed_at")),
        "opened": list(opened.order_by("created_at")),
    }
