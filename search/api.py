"""JSON search API: ``GET /api/search/?q=&type=&department=&topic=&tag=&district=&page=&page_size=``.

``type`` takes one content type or several separated by commas (``article,guide``).

Response: ``{"count", "results": [{"type", "id", "external_id", "title", "url",
"snippet", "score"}], "facets": {...}}``, plus ``"did_you_mean"`` (Chinese terms) when
nothing matched a query typed in pinyin and ``"facets_sampled": N`` when facet counts cover
only the best N matches, and ``"message"`` (Chinese) with count 0 when the query holds
nothing searchable ("的", "？"); bad parameters give HTTP 400 with
``{"error": "..."}`` in Chinese. Cases only for signed-in staff, filtered by
what they may see (``search.selectors.staff_visibility_for``).
"""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kernel.ratelimit import client_address

from . import analytics
from .engines.base import EngineUnavailable
from .forms import SearchAPIForm, requested_types
from .selectors import pinyin_terms, search_for, staff_visibility_for
from .views import (
    TOO_MANY_SEARCHES,
    clean_snippet,
    hit_url,
    public_limit_exceeded,
    search_limit,
    set_cache_headers,
    unsearchable_query_message,
)

logger = logging.getLogger(__name__)


def _json(request, data, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    return set_cache_headers(request, response)


def _error(request, message: str, *, status: int = 400) -> JsonResponse:
    return _json(request, {"error": message}, status=status)


@require_safe
def search_api(request):
    form = SearchAPIForm(request.GET)
    if not form.is_valid():
        return _error(request, form.first_error())
    params = form.cleaned_data
    if not params["q"] and not form.has_filters:
        return _error(request, _("请输入搜索词。"))
    if public_limit_exceeded(request, search_limit()):
        return _error(request, str(TOO_MANY_SEARCHES), status=429)
    include_staff, _keys = staff_visibility_for(request.user)
    if "case" in requested_types(params) and not include_staff:
        return _error(request, _("案例仅对登录的工作人员开放。"), status=403)
    message = unsearchable_query_message(params["q"])
    if message:
        # Like syntax characters, not an error: an empty result that says why.
        return _json(request, {"count": 0, "results": [], "facets": {}, "message": message})
    try:
        results = search_for(user=request.user, params=params)
    except EngineUnavailable:
        logger.warning("search engine unavailable")
        return _error(request, _("搜索服务暂时不可用，请稍后再试。"), status=503)
    except Exception:
        logger.exception("search failed")
        return _error(request, _("搜索暂时出错，请稍后再试。"), status=503)
    analytics.log_search(
        query=params["q"],
        result_count=results.count,
        role=analytics.role_for(request.user),
        client=client_address(request),
    )
    # Nothing found for letters that spell pinyin: the Chinese terms they stand for.
    did_you_mean = [] if results.count else pinyin_terms(params["q"])
    return _json(
        request,
        {
            "count": results.count,
            "results": [
                {
                    "type": hit.doc_type,
                    "id": hit.doc_id,
                    "external_id": hit.external_id or "",
                    "title": hit.title,
                    "url": hit_url(hit),
                    "snippet": clean_snippet(hit.snippet),
                    "score": round(float(hit.score or 0.0), 4),
                    **({"promoted": True, "label": _("推荐")} if getattr(hit, "promoted", False) else {}),
                }
                for hit in results.hits
            ],
            "facets": results.facets,
            **({"did_you_mean": did_you_mean} if did_you_mean else {}),
            # Facet counts over the best N matches only (embedded engine, very common queries).
            **({"facets_sampled": results.facets_sampled} if results.facets_sampled else {}),
        },
    )
