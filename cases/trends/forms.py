"""The filter of 统计分析: period, granularity, place, department, class and channel,
offering only what the user may see (a choice outside it is a form error, and the
cases are scoped again by the selectors whatever the form says)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import StatisticsFilterForm
from cases.models import Case, ServiceHall
from cases.permissions import profile_of
from knowledge.models import Department, District

from .periods import MONTH, WEEK
from .selectors import TrendFilter, department_only


def choices_for(user, districts, halls, departments):
    """What the filter may offer ``user``: the same places as their case scope."""
    if user.is_superuser or user.has_perm("cases.view_all_cases"):
        return districts, halls, departments
    profile = profile_of(user)
    if profile is None:
        return districts.none(), halls.none(), departments.none()
    if department_only(user):
        return districts.none(), halls.none(), departments.filter(pk=profile.department_id)
    if user.has_perm("cases.view_district_cases") and profile.district_id:
        return (districts.filter(pk=profile.district_id), halls.filter(district_id=profile.district_id),
                departments.filter(district_id=profile.district_id))
    if user.has_perm("cases.view_hall_cases") and profile.hall_id:
        hall = halls.filter(pk=profile.hall_id)
        return districts.none(), hall, departments.filter(district__service_halls__in=hall)
    return districts.none(), halls.none(), departments.none()


class TrendFilterForm(StatisticsFilterForm):
    MAX_DAYS = 3 * 366

    granularity = forms.ChoiceField(label=_("统计周期"), choices=[(MONTH, _("按月")), (WEEK, _("按周"))], required=False)
    hall = forms.ModelChoiceField(label=_("大厅"), queryset=ServiceHall.objects.all(), required=False,
                                  empty_label=_("全部"))
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.all(), required=False,
                                        empty_label=_("全部"))
    classification = forms.ChoiceField(label=_("分类"), required=False,
                                       choices=[("", _("全部")), *Case.Classification.choices])
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", _("全部")), *Case.Channel.choices])

    def __init__(self, data, *, today: datetime.date, user, **kwargs):
        data = data.copy()
        if not data.get("date_from"):
            # A year of months up to today: long enough for a trend line to mean something.
            data["date_from"] = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1).isoformat()
        super().__init__(data, today=today, **kwargs)
        districts, halls, departments = choices_for(
            user, District.objects.all(), ServiceHall.objects.select_related("district"),
            Department.objects.order_by("name"),
        )
        self.fields["district"].queryset = districts
        self.fields["hall"].queryset = halls
        self.fields["department"].queryset = departments
        for name, qs in (("district", districts), ("hall", halls), ("department", departments)):
            if not qs.exists():
                del self.fields[name]

    def clean(self):
        data = super().clean()
        hall, district = data.get("hall"), data.get("district")
        if hall and district and hall.district_id != district.pk:
            self.add_error("hall", _("所选大厅不属于所选的区。"))
        if data.get("granularity") == WEEK and data.get("date_from") and data.get("date_to"):
            if (data["date_to"] - data["date_from"]).days > 2 * 366:
                self.add_error("granularity", _("按周统计的区间最长两年，请缩短区间或按月统计。"))
        return data

    def trend_filter(self) -> TrendFilter:
        data = self.cleaned_data
        return TrendFilter(
            date_from=data["date_from"], date_to=data["date_to"], granularity=data.get("granularity") or MONTH,
            district_id=getattr(data.get("district"), "pk", None), hall_id=getattr(data.get("hall"), "pk", None),
            department_id=getattr(data.get("department"), "pk", None),
            classification=data.get("classification") or "", channel=data.get("channel") or "",
        )

    def query(self) -> dict[str, str]:
        """The filter as URL parameters, for export links and tabs (the same figures)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            out[name] = value.isoformat() if isinstance(value, datetime.date) else str(getattr(value, "pk", value))
        return out
