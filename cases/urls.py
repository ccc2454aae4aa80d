from django.urls import path

from cases import views
from cases.trends import views as trend_views

app_name = "cases_public"

urlpatterns = [
    path("statistics/", trend_views.public_statistics, name="statistics"),
    path("report/", views.report, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("report/suggestions/", views.report_suggestions, name="report_suggestions"),
    path("report/suggestions/open/<int:page_id>/", views.guide_open, name="guide_open"),
    path("report/status/", views.status, name="status"),
    path("report/status/new/", views.status_reset, name="status_reset"),
]
