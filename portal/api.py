"""The public API: Wagtail's API v2 for published content at /api/v2/ and the
OpenAPI description of it, the search API and Open311 at /api/schema/ (browsable
at /api/schema/ui/, served from local static files)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from wagtail.api.v2.router import WagtailAPIRouter

from knowledge.api import ENDPOINTS

api_router = WagtailAPIRouter("wagtailapi")
for name, viewset in ENDPOINTS:
    api_router.register_endpoint(name, viewset)

urlpatterns = [
    path("api/v2/", api_router.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file of its own: the CSP allows no inline script.
    path(
        "api/schema/ui/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="portal/swagger_ui.html"),
        name="api_schema_ui",
    ),
]
