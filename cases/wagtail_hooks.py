"""Thin hooks: register the case-desk viewsets, extra admin URLs and admin CSS."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cases import class_report_views, intelligence_views
from cases.viewsets import CASE_DESK_SUBMENU_HOOK, CaseDeskViewSetGroup


@hooks.register("register_admin_viewset")
def register_case_desk():
    return CaseDeskViewSetGroup()


@hooks.register("register_admin_urls")
def register_case_desk_urls():
    # Issue 5 (precedents, triage suggestion, duplicates, recurring classes).
    return [
        path("cases/classes/", class_report_views.ClassReportView.as_view(), name="case_classes"),
        path("cases/intelligence/precedents/", intelligence_views.precedents_json, name="precedents_json"),
        path("cases/intelligence/suggest/", intelligence_views.triage_suggestion_json,
             name="triage_suggestion_json"),
        path("cases/intelligence/duplicates/", intelligence_views.duplicates_json, name="duplicates_json"),
    ]


class ClassReportMenuItem(MenuItem):
    def is_shown(self, request):
        return intelligence_views._allowed(request.user)


@hooks.register(CASE_DESK_SUBMENU_HOOK)
def register_class_report_menu_item():
    return ClassReportMenuItem(_("一类事"), reverse("case_classes"), icon_name="list-ul", order=50)


@hooks.register("insert_global_admin_css")
def case_desk_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cases/case_desk_admin.css"))
