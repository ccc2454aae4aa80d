"""Error answers a reader can act on.

The database away (a restart, a failover) is answered by ``portal.views.server_error``
(handler500), which sees errors from every middleware, not only from views.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

from .views import bad_request, method_not_allowed

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


class AdminPreviewFramingMiddleware:
    """Let the editor's preview panel frame the page it previews.

    Wagtail renders a preview by running the page's request through the whole middleware
    stack, so the public page's ``frame-ancestors 'none'`` came back inside the admin's
    answer and Chromium left the panel blank. Wagtail marks the answers it means to frame
    itself with ``X-Frame-Options: SAMEORIGIN``; those may be framed by this site only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = response.get("Content-Security-Policy")
        if policy and request.path_info.startswith("/admin/") and response.get("X-Frame-Options") == "SAMEORIGIN":
            directives = [d.strip() for d in policy.split(";") if d.strip()]
            response["Content-Security-Policy"] = "; ".join(
                "frame-ancestors 'self'" if d.split()[0] == "frame-ancestors" else d for d in directives
            )
        return response


def _holds_nul(request) -> bool:
    # The address only: free text posted in a form keeps its words, its control characters
    # dropped (kernel.text.plain_text); a field that is looked up checks its own value.
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    )


class RefuseNulCharactersMiddleware:
    """A NUL character in the address (path or query string) is a 400, whatever the view.

    PostgreSQL refuses NUL in any text a query compares, so a slug, a filter or an id
    holding one (``/tags/a%00b/``) ended in a server error wherever a view looked it up.
    No reader types one; the APIs get the answer in their own JSON shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _holds_nul(request):
            return self.get_response(request)
        message = _("请求含有无效字符（NUL），请检查链接或所填内容。")
        if request.path.startswith("/open311/"):
            return JsonResponse([{"code": 400, "description": message}], safe=False, status=400,
                                json_dumps_params={"ensure_ascii": False})
        if request.path.startswith("/api/"):
            return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
        return bad_request(request)
