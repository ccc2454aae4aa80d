from django.urls import re_path

from cases.open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})"

urlpatterns = [
    re_path(rf"^services{FORMAT}$", views.services, name="services"),
    re_path(rf"^services/(?P<code>[^/]{{1,60}}){FORMAT}$", views.service_definition, name="service"),
    re_path(rf"^requests{FORMAT}$", views.requests_endpoint, name="requests"),
    re_path(rf"^requests/(?P<request_id>[^/]{{1,40}}){FORMAT}$", views.request_detail, name="request"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
