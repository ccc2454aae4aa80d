"""The trends on the dashboard of those who may see them: intake of the last weeks."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from .periods import WEEK
from .selectors import TrendFilter, intake_tables

PANEL_WEEKS = 12


class TrendsPanel(Component):
    name = "case_trends"
    order = 20
    template_name = "cases/admin/trends_panel.html"

    class Media:
        js = ["vendor/chartjs/chart.umd.min.js", "cases/trends.js"]

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        today = timezone.localdate()
        f = TrendFilter(date_from=today - datetime.timedelta(weeks=PANEL_WEEKS - 1), date_to=today, granularity=WEEK)
        return {"table": intake_tables(self.user, f)[0], "trends_url": reverse("case_trends_home"),
                "monthly_url": reverse("case_trends_monthly")}
