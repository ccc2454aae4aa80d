"""The case desk on the Wagtail dashboard.

Window, triage and department staff have no page permissions, so Wagtail's own
dashboard shows them nothing useful. This panel puts their queue and the
"search precedents before escalating" box where they land after signing in.
"""

from __future__ import annotations

from django.urls import reverse
from wagtail.admin.ui.components import Component

from cases import selectors
from cases.permissions import answers_for_cases, can_look_up_reporter, profile_of


class CaseDeskPanel(Component):
    name = "case_desk"
    order = 10
    template_name = "cases/admin/desk_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        index = reverse("cases:index")
        profile = profile_of(self.user)
        department_desk = bool(profile and profile.department_id and self.user.has_perm("cases.reply_dispatch"))
        return {
            # A department only ever sees cases already dispatched to it: its 待研判 read 0 forever.
            "show_registered": not department_desk or self.user.has_perm("cases.triage_case"),
            # Library readers (editors) answer for no queue: counts would all read 0.
            "counts": selectors.desk_summary(self.user) if answers_for_cases(self.user) else None,
            "index_url": index,
            "registered_url": f"{index}?status=registered",
            "due_soon_url": f"{index}?deadline_state=due_soon",
            "overdue_url": f"{index}?deadline_state=overdue",
            "returned_url": f"{index}?returned=true",
            "escalated_url": f"{index}?escalated=true",
            "add_url": reverse("cases:add") if self.user.has_perm("cases.add_case") else "",
            "dispatches_url": (
                reverse("my_dispatches:index")
                if department_desk
                else ""
            ),
            "search_url": reverse("search:search"),
            "lookup_url": reverse("case_reporter_lookup") if can_look_up_reporter(self.user) else "",
        }


def shows_case_desk(user) -> bool:
    return user.has_perm("cases.view_case")
