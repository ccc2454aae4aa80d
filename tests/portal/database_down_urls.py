"""The project's URLs plus a view whose query fails as it does while PostgreSQL restarts."""

from django.db import OperationalError
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401  (the project's error pages)
from portal.urls import urlpatterns as portal_urlpatterns


def query_during_restart(request):
    raise OperationalError("terminating connection due to administrator command")


urlpatterns = [path("needs-database/", query_during_restart)] + portal_urlpatterns
