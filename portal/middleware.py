"""Error answers a reader can act on.

The database away (a restart, a failover) is answered by ``portal.views.server_error``
(handler500), which sees errors from every middleware, not only from views.
"""

from __future__ import annotations

from .views import method_not_allowed

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
