"""Public search page, autocomplete suggestions and the click-tracking redirect."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from kernel.origin import followed_from_another_site, origin_is_ours
from kernel.ratelimit import Limit, client_address, limit_from_settings
from kernel.text import allowed_html

from . import analysis, analytics
from .engines.base import EngineUnavailable
from .forms import MAX_QUERY_LENGTH, TYPE_LABELS, SearchForm, requested_types
from .selectors import (
    facet_labels,
    pinyin_terms,
    popular_topics,
    search_for,
    staff_visibility_for,
    suggestions_for,
)

logger = logging.getLogger(__name__)

FACET_NAMES = ["type", "department", "topic", "tag", "district"]
FACET_TITLES = {
    "type": gettext_lazy("内容类型"),
    "department": gettext_lazy("部门"),
    "topic": gettext_lazy("主题"),
    "tag": gettext_lazy("标签"),
    "district": gettext_lazy("适用区"),
}
FILTER_KEYS = ["type", "department", "topic", "tag", "district"]
SUGGEST_MAX_PREFIX = 50
_DOC_KEY = re.compile(r"^(article|guide|policy|case|page):\d{1,12}$")


def set_cache_headers(request, response, *, max_age: int = 60):
    """Anonymous results are the same for everyone and may be cached; staff results never."""
    if request.user.is_authenticated or response.status_code == 429:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, public=True, max_age=max_age)
    return response


def clean_snippet(html: str) -> str:
    # Engines promise escaped text with <mark>; cleaning again keeps a future
    # engine bug from becoming an XSS on a public page.
    return allowed_html(html)


def _url_with(params: dict, **changes) -> str:
    """The search URL for the current query and filters with ``changes`` applied (page reset)."""
    merged = {k: params.get(k) for k in ["q", *FILTER_KEYS]}
    merged.update(changes)
    merged = {k: v for k, v in merged.items() if v not in (None, "", 1) or (k == "page" and v != 1 and v)}
    return "/search/?" + urlencode(merged) if merged else "/search/"


def hit_url(hit) -> str:
    """Where a result links to.

    A policy's page is worked out from its id here rather than read from the
    index: rows indexed before that page existed hold "" or the external link.
    """
    if hit.doc_type == "policy":
        return reverse("knowledge:policy_detail", args=[hit.doc_id])
    return hit.url or ""


def unsearchable_query_message(q: str) -> str:
    """The message for a query that analysis leaves no term of ("的", "？", "!!!"), else "".

    Engines treat no terms as "browse everything"; a reader who typed something
    must not get the whole index back as if it matched.
    """
    if not q or analysis.analyze_query(q):
        return ""
    return _("“%(q)s”中没有可检索的词，请换个说法，例如输入事项名称或关键词。") % {
        "q": Truncator(q).chars(20)
    }


def click_url(*, q: str, hit, position: int) -> str:
    url = hit_url(hit)
    if not _is_local_path(url) or not _DOC_KEY.match(f"{hit.doc_type}:{hit.doc_id}"):
        return url
    return "/search/click/?" + urlencode(
        {"q": q, "doc": f"{hit.doc_type}:{hit.doc_id}", "pos": position, "to": url}
    )


def _is_local_path(url: str) -> bool:
    return (
        bool(url)
        and url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def _facets_for_display(facets: dict, params: dict) -> list[dict]:
    groups = []
    for name in FACET_NAMES:
        values = facets.get(name) or []
        if name == "type":
            values = [v for v in values if v.get("count")]
        if not values:
            continue
        active = params.get(name) or ""
        active_values = requested_types(params) if name == "type" else [str(active)]
        items = []
        values = values[:12]
        names = facet_labels(name, [str(v.get("value", "")) for v in values if v.get("label") in (None, "", v.get("value"))])
        for v in values:
            value = str(v.get("value", ""))
            if name == "type":
                label = TYPE_LABELS.get(value, v.get("label") or value)
            else:
                label = names.get(value) or v.get("label") or value
            is_active = value in active_values
            items.append(
                {
                    "label": str(label),
                    "count": v.get("count", 0),
                    "active": is_active,
                    "url": _url_with(params, **{name: "" if is_active else value}),
                }
            )
        groups.append({"name": name, "title": str(FACET_TITLES[name]), "items": items})
    return groups


def _active_filters(params: dict, facets: dict) -> list[dict]:
    out = []
    for name in FILTER_KEYS:
        value = params.get(name)
        if not value:
            continue
        label = value
        if name == "type":
            label = "、".join(str(TYPE_LABELS.get(t, t)) for t in requested_types(params))
        else:
            for v in facets.get(name) or []:
                if str(v.get("value")) == str(value):
                    label = v.get("label") or value
            label = facet_labels(name, [value]).get(value) or label
        out.append({"title": str(FACET_TITLES[name]), "label": str(label), "remove_url": _url_with(params, **{name: ""})})
    return out


def _page_links(params: dict, page: int, num_pages: int) -> list[dict]:
    if num_pages <= 1:
        return []
    window = sorted({1, num_pages, *range(max(1, page - 2), min(num_pages, page + 2) + 1)})
    links, last = [], 0
    for n in window:
        if n - last > 1:
            links.append({"gap": True})
        links.append({"number": n, "current": n == page, "url": _url_with(params, page=n)})
        last = n
    return links


def search_limit() -> Limit:
    """Searches (page and API together) per anonymous client; staff are not limited."""
    return limit_from_settings("search", "BANCHENG_SEARCH_RATE_LIMIT", (120, 60))


def _suggest_limit() -> Limit:
    return limit_from_settings("suggest", "BANCHENG_SUGGEST_RATE_LIMIT", (240, 60))


def public_limit_exceeded(request, limit: Limit) -> bool:
    return not request.user.is_authenticated and limit.request_exceeded(request)


def _click_limit() -> Limit:
    return limit_from_settings("search_click", "BANCHENG_CLICK_RATE_LIMIT", (60, 600))


def _read_limit() -> Limit:
    return limit_from_settings("search_read", "BANCHENG_READ_RATE_LIMIT", (60, 600))


TOO_MANY_SEARCHES = gettext_lazy("搜索过于频繁，请稍后再试。")


@require_safe
def search_page(request):
    form = SearchForm(request.GET)
    context = {
        "form": form,
        "search_query": "",
        "error": "",
        "results": None,
        "hits": [],
        "facets": [],
        "active_filters": [],
        "pages": [],
        "popular_topics": [],
        "max_query_length": MAX_QUERY_LENGTH,
    }
    status = 200
    if not form.is_valid():
        context["error"] = form.first_error()
        status = 400
    elif form.cleaned_data["q"] and public_limit_exceeded(request, search_limit()):
        context["error"] = str(TOO_MANY_SEARCHES)
        status = 429
    else:
        params = form.cleaned_data
        context["search_query"] = params["q"]
        include_staff, _keys = staff_visibility_for(request.user)
        if "case" in requested_types(params) and not include_staff:
            context["error"] = _("案例仅对登录的工作人员开放。")
            status = 403
        elif not params["q"] and not form.has_filters:
            context["prompt"] = True
        elif unsearchable := unsearchable_query_message(params["q"]):
            # Not logged: punctuation and function words are not a gap in the content.
            context["unsearchable"] = unsearchable
        else:
            try:
                results = search_for(user=request.user, params=params)
            except EngineUnavailable:
                logger.warning("search engine unavailable")
                context["error"] = _("搜索服务暂时不可用，请稍后再试，或按主题浏览。")
                status = 503
            except Exception:
                # A reader gets a message, never a server error page; the trace goes to the log.
                logger.exception("search failed")
                context["error"] = _("搜索暂时出错，请稍后再试，或按主题浏览。")
                status = 503
            else:
                analytics.log_search(
                    query=params["q"],
                    result_count=results.count,
                    role=analytics.role_for(request.user),
                    client=client_address(request),
                )
                if not request.user.is_authenticated:
                    analytics.remember_result_count(params, results.count)
                if not results.count:
                    # Typed in pinyin with the input method off (yyzz): show what the Chinese
                    # it spells finds, and say so; the typed query stays logged as a gap.
                    terms = pinyin_terms(params["q"])
                    if terms:
                        spelled = {**params, "q": terms[0], "page": 1}
                        spelled_results = search_for(user=request.user, params=spelled)
                        if spelled_results.count:
                            context["pinyin_searched"] = {
                                "typed": params["q"],
                                "term": terms[0],
                                "others": [
                                    {"term": t, "url": _url_with(params, q=t)} for t in terms[1:]
                                ],
                            }
                            params, results = spelled, spelled_results
                            context["search_query"] = params["q"]
                if results.count and not results.hits and results.page > 1:
                    context["error"] = _("页码超出范围：共 %(n)s 页。") % {"n": results.num_pages}
                    context["first_page_url"] = _url_with(params)
                    status = 404
                offset = (results.page - 1) * results.page_size
                context.update(
                    results=results,
                    hits=[
                        {
                            "hit": hit,
                            "type_label": TYPE_LABELS.get(hit.doc_type, ""),
                            "snippet": clean_snippet(hit.snippet),
                            "href": click_url(q=params["q"], hit=hit, position=offset + i + 1),
                            "promoted": getattr(hit, "promoted", False),
                        }
                        for i, hit in enumerate(results.hits)
                    ],
                    facets=_facets_for_display(results.facets, params),
                    active_filters=_active_filters(params, results.facets),
                    pages=_page_links(params, results.page, results.num_pages),
                    prev_url=_url_with(params, page=results.page - 1) if results.page > 1 else "",
                    next_url=_url_with(params, page=results.page + 1)
                    if results.page < results.num_pages
                    else "",
                )
                if not results.count:
                    # Typed in pinyin with the input method off: offer the Chinese it spells.
                    context["pinyin_terms"] = [
                        {"term": term, "url": _url_with(params, q=term)} for term in pinyin_terms(params["q"])
                    ]
    if status != 200 or not context["hits"]:
        context["popular_topics"] = popular_topics()
    response = render(request, "search/search.html", context, status=status)
    return set_cache_headers(request, response)


@require_safe
def suggest(request):
    """Autocomplete: a JSON list of strings (titles first, then popular queries)."""
    form = SearchForm({"q": request.GET.get("q", "")})
    items: list[str] = []
    if public_limit_exceeded(request, _suggest_limit()):
        response = JsonResponse(items, safe=False, status=429)
        patch_cache_control(response, private=True, no_store=True)
        return response
    if form.is_valid() and 0 < len(form.cleaned_data["q"]) <= SUGGEST_MAX_PREFIX:
        items = suggestions_for(form.cleaned_data["q"])
    response = JsonResponse(items, safe=False, json_dumps_params={"ensure_ascii": False})
    return set_cache_headers(request, response, max_age=300)


def click_client(request) -> str:
    """Who clicked, for counting distinct readers (``analytics.click_client_key`` hashes it with the
    day): the signed-in user, so that colleagues behind one office address count as several
    readers; otherwise the address the rate limits use."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return client_address(request)


@require_GET
def click(request):
    """Record that a search result was opened, then go there (local paths only)."""
    to = request.GET.get("to", "")
    doc = request.GET.get("doc", "")
    if not _is_local_path(to) or "\ufffd" in to:
        return render(
            request,
            "search/bad_request.html",
            {"message": _("链接地址无效：只能跳转到本站页面。")},
            status=400,
        )
    form = SearchForm({"q": request.GET.get("q", "")})
    # Over the limit the reader still gets there; the click is just not counted. Nor is a
    # "click" another site's page made its visitors' browsers send (a link, an <img>): each
    # visitor a distinct reader, it would plant its query in autocomplete and the ranking.
    if (
        form.is_valid() and _DOC_KEY.match(doc) and not followed_from_another_site(request)
        and not public_limit_exceeded(request, _click_limit())
    ):
        pos = request.GET.get("pos", "")
        analytics.record_click(
            query=form.cleaned_data["q"],
            doc=doc,
            role=analytics.role_for(request.user),
            position=int(pos) if pos.isascii() and pos.isdigit() and len(pos) < 6 else None,
            client=click_client(request),
        )
    response = HttpResponseRedirect(to)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _no_content(status: int = 204) -> HttpResponse:
    response = HttpResponse(status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


# CSRF: the beacon comes from cached public pages, which hold no per-reader token (and an
# anonymous reader has no CSRF cookie), so Django's token check cannot apply. Instead the
# Origin header must be ours: a browser always sends it with a POST and a page on another
# site cannot forge it (and a signed-in session cookie, SameSite=Lax, is not sent with another
# site's POST). Even a forged read could only mark a click that the same reader (address, or
# signed-in user) made on the same query and page earlier today, so it teaches nothing new.
@csrf_exempt
@require_POST
def read(request):
    """The page a reader opened from a search stayed visible for the read threshold (the
    beacon of static/js/long_read.js): marks their click of that query and page as a long
    read. 204 whether or not a click was found (nothing to learn about other readers)."""
    if not origin_is_ours(request):
        return _no_content(403)
    doc = request.POST.get("doc", "")
    form = SearchForm({"q": request.POST.get("q", "")})
    if not form.is_valid() or not form.cleaned_data["q"] or not _DOC_KEY.match(doc):
        return _no_content(400)
    if public_limit_exceeded(request, _read_limit()):
        return _no_content(429)
    q, role, client = form.cleaned_data["q"], analytics.role_for(request.user), click_client(request)
    if not analytics.record_long_read(query=q, doc=doc, role=role, client=client):
        # Typed in pinyin with the input method off: the search page showed what the Chinese it
        # spells finds, and its result links counted that term; the referrer holds the pinyin.
        try:
            terms = pinyin_terms(q)
        except Exception:  # a beacon never fails the reader's page, nor ends in a server error
            logger.warning("could not spell a long read's pinyin query", exc_info=True)
            terms = []
        if terms:
            analytics.record_long_read(query=terms[0], doc=doc, role=role, client=client)
    return _no_content()
