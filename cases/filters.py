"""Listing filters for the case desk (django-filter, as Wagtail's listing views expect)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from cases import selectors
from cases.models import Case, Classification
from knowledge.models import District


class CaseFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Case.Status.choices)
    classification = django_filters.ChoiceFilter(label=_("分类"), choices=Classification.choices)
    channel = django_filters.ChoiceFilter(label=_("反映渠道"), choices=Case.Channel.choices)
    district = django_filters.ModelChoiceFilter(label=_("所属区"), queryset=District.objects.all())
    deadline_state = django_filters.ChoiceFilter(
        label=_("时限"),
        choices=[("overdue", _("已超期")), ("due_soon", _("即将到期"))],
        method="filter_deadline_state",
    )
    escalated = django_filters.BooleanFilter(label=_("已提级督办"))
    returned = django_filters.BooleanFilter(label=_("有退单"), method="filter_returned")
    # Wagtail gives a date-range filter its date picker (from / to, whole days in Asia/Shanghai).
    created_at = django_filters.DateFromToRangeFilter(label=_("受理日期"))

    class Meta:
        model = Case
        fields = ["status", "classification", "channel", "district", "deadline_state", "escalated", "returned", "created_at"]

    def filter_returned(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(return_count__gt=0) if value else queryset.filter(return_count=0)

    def filter_deadline_state(self, queryset, name, value):
        if value == "overdue":
            return selectors.overdue_cases(queryset)
        if value == "due_soon":
            return selectors.due_soon_cases(queryset)
        return queryset
