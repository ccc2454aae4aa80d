"""Error answers a reader can act on.

A request that meets the database gone (a restart, a failover) gets a clear page.
Django opens a fresh connection on the next request (connection health checks), so
the application needs no restart; until then the reader sees 503 with a retry hint
instead of the generic error page, and the log says why.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

from .views import method_not_allowed

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable: %s", type(exception).__name__)
        # Rendered without a request: context processors would ask the database again.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


# Machine clients get the bare status there (JSON APIs answer errors in JSON themselves).
_API_PREFIXES = ("/api/", "/open311/")


class ChineseErrorPagesMiddleware:
    """Django's ``require_http_methods`` answers 405 with an empty body: give readers a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not getattr(response, "streaming", False)
            and not response.content
            and not request.path.startswith(_API_PREFIXES)
        ):
            return method_not_allowed(response.get("Allow", ""))
        return response
