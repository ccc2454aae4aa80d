"""Thin hooks: register the case-desk viewsets, extra admin URLs and admin CSS."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from cases import class_report_views, intelligence_views, lookup_views, statistics_views
from cases.dashboard import CaseDeskPanel, shows_case_desk
from cases.trends import views as trend_views
from cases.trends.panels import TrendsPanel
from cases.permissions import can_look_up_reporter, can_use_case_intelligence, can_view_statistics
from cases.workdays import missing_calendar_year
from cases.viewsets import CASE_DESK_SUBMENU_HOOK, CaseDeskViewSetGroup


@hooks.register("register_admin_viewset")
def register_case_desk():
    return CaseDeskViewSetGroup()


@hooks.register("register_admin_viewset")
def register_integrations():
    from cases.open311.viewsets import IntegrationViewSetGroup

    return IntegrationViewSetGroup()


@hooks.register("register_admin_urls")
def register_case_desk_urls():
    # Issue 5 (precedents, triage suggestion, duplicates, recurring classes).
    return [
        path("cases/classes/", class_report_views.ClassReportView.as_view(), name="case_classes"),
        path("cases/statistics/", statistics_views.StatisticsView.as_view(), name="case_statistics"),
        path("cases/trends/", trend_views.TrendsView.as_view(), name="case_trends_home"),
        path("cases/trends/monthly/", trend_views.MonthlyReportView.as_view(), name="case_trends_monthly"),
        path("cases/trends/<slug:section>/", trend_views.TrendsView.as_view(), name="case_trends"),
        path("cases/lookup/", lookup_views.ReporterLookupView.as_view(), name="case_reporter_lookup"),
        path("cases/intelligence/precedents/", intelligence_views.precedents_json, name="precedents_json"),
        path("cases/intelligence/suggest/", intelligence_views.triage_suggestion_json,
             name="triage_suggestion_json"),
        path("cases/intelligence/duplicates/", intelligence_views.duplicates_json, name="duplicates_json"),
    ]


class PermittedMenuItem(MenuItem):
    """A case-desk menu entry shown to the users ``allowed(user)`` admits."""

    def __init__(self, *args, allowed, **kwargs):
        self.allowed = allowed
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return self.allowed(request.user)


@hooks.register(CASE_DESK_SUBMENU_HOOK)
def register_reporter_lookup_menu_item():
    return PermittedMenuItem(_("来电查询"), reverse("case_reporter_lookup"), icon_name="search", order=15,
                             allowed=can_look_up_reporter)


@hooks.register(CASE_DESK_SUBMENU_HOOK)
def register_class_report_menu_item():
    return PermittedMenuItem(_("一类事"), reverse("case_classes"), icon_name="list-ul", order=50,
                             allowed=can_use_case_intelligence)


@hooks.register(CASE_DESK_SUBMENU_HOOK)
def register_statistics_menu_item():
    return PermittedMenuItem(_("工作统计"), reverse("case_statistics"), icon_name="table", order=60,
                             allowed=can_view_statistics)


@hooks.register(CASE_DESK_SUBMENU_HOOK)
def register_trends_menu_item():
    return PermittedMenuItem(_("统计分析"), reverse("case_trends_home"), icon_name="history", order=65,
                             allowed=can_view_statistics)


@hooks.register("insert_global_admin_css")
def case_desk_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cases/case_desk_admin.css"))


class HolidayCalendarGapPanel(Component):
    """Dashboard warning: deadlines skip only weekends until the year's holidays are entered."""

    name = "holiday_calendar_gap"
    order = 50
    template_name = "cases/admin/holiday_calendar_panel.html"

    def __init__(self, year: int):
        self.year = year

    def get_context_data(self, parent_context=None):
        return {"year": self.year, "url": reverse("working_days:add")}


@hooks.register("construct_homepage_panels")
def add_holiday_calendar_gap_panel(request, panels):
    if not request.user.has_perm("cases.add_workingdayoverride"):
        return
    year = missing_calendar_year(timezone.localdate())
    if year is not None:
        panels.append(HolidayCalendarGapPanel(year))


@hooks.register("construct_homepage_panels")
def add_case_desk_panel(request, panels):
    if shows_case_desk(request.user):
        panels.append(CaseDeskPanel(request.user))


@hooks.register("construct_homepage_panels")
def add_trends_panel(request, panels):
    if can_view_statistics(request.user):
        panels.append(TrendsPanel(request.user))
