"""Thin hooks: register the case-desk viewsets and its admin CSS."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from cases.viewsets import CaseDeskViewSetGroup


@hooks.register("register_admin_viewset")
def register_case_desk():
    return CaseDeskViewSetGroup()


@hooks.register("insert_global_admin_css")
def case_desk_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cases/case_desk_admin.css"))
