"""The read side of search: who may see what, and what a search returns.

Views and the API call ``search_for``; they never build engine queries
themselves, so role-based visibility is decided in exactly one place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.text import Truncator

from .engines import get_engine
from .engines.base import Hit, SearchQuery, SearchResults
from .forms import requested_types

logger = logging.getLogger(__name__)

PUBLIC_TYPES = ["article", "guide", "policy"]


@dataclass
class PromotedHit(Hit):
    """An editor's promoted result (Wagtail search promotions), shown first as "推荐"."""

    promoted: bool = True


def staff_visibility_for(user) -> tuple[bool, list[str] | None]:
    """Whether ``user`` may see staff-only documents (cases), and which ones.

    Returns ``(include_staff, restrict_keys)``: ``restrict_keys`` None means every
    staff document, a list means documents sharing one of those keys
    ("hall:3", "district:5", "dept:7"). The case desk decides the keys in
    ``cases.selectors.case_search_restrict_keys``; until it exists nobody sees cases.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return (False, [])
    try:
        from cases.selectors import case_search_restrict_keys
    except ImportError:
        return (False, [])
    keys = case_search_restrict_keys(user)
    if keys is None:
        return (True, None)
    keys = [str(k) for k in keys]
    return (bool(keys), keys)


def build_query(*, user, params: dict[str, Any]) -> SearchQuery:
    include_staff, restrict_keys = staff_visibility_for(user)
    types = requested_types(params) or PUBLIC_TYPES + (["case"] if include_staff else [])
    return SearchQuery(
        q=params.get("q") or "",
        types=types,
        department=params.get("department") or None,
        topic=params.get("topic") or None,
        tag=params.get("tag") or None,
        district=params.get("district") or None,
        page=int(params.get("page") or 1),
        page_size=int(params.get("page_size") or 10),
        include_staff=include_staff,
        restrict_keys=restrict_keys if include_staff else [],
    )


def search_for(*, user, params: dict[str, Any]) -> SearchResults:
    """Run a validated search (``params`` = cleaned ``SearchForm`` data) for ``user``.

    Promoted pages for the query come first on page 1 of an unfiltered search,
    and are removed from the engine's hits so nothing is listed twice.
    """
    query = build_query(user=user, params=params)
    results = get_engine().search(query)
    has_filters = any(params.get(k) for k in ("type", "department", "topic", "tag", "district"))
    if query.q and query.page == 1 and not has_filters:
        promoted = promoted_hits(query.q)
        if promoted:
            keys = {(h.doc_type, h.doc_id) for h in promoted}
            rest = [h for h in results.hits if (h.doc_type, h.doc_id) not in keys]
            results.hits = promoted + rest
    return results


# --- promotions ---------------------------------------------------------------

_PAGE_TYPES = {"solutionarticlepage": "article", "policytransitionguidepage": "guide"}


def promoted_hits(q: str) -> list[PromotedHit]:
    """Live, public pages (or external links) editors promoted for this query."""
    from wagtail.contrib.search_promotions.models import Query as PromotionQuery
    from wagtail.search.utils import normalise_query_string

    query = PromotionQuery.objects.filter(query_string=normalise_query_string(q)).first()
    if query is None:
        return []
    hits: list[PromotedHit] = []
    for pick in query.editors_picks.select_related("page").order_by("sort_order"):
        if pick.page_id:
            page = pick.page
            if not page.live or page.get_view_restrictions().exists():
                continue
            page = page.specific
            model_name = page.specific_class._meta.model_name
            text = pick.description or getattr(page, "summary", "") or page.search_description or ""
            hits.append(
                PromotedHit(
                    doc_type=_PAGE_TYPES.get(model_name, "page"),
                    doc_id=page.pk,
                    external_id=getattr(page, "external_id", "") or "",
                    title=page.title,
                    url=page.get_url() or page.url_path,
                    snippet=escape(Truncator(text).chars(160)),
                    score=0.0,
                )
            )
        elif pick.external_link_url:
            hits.append(
                PromotedHit(
                    doc_type="link",
                    doc_id=pick.pk,
                    external_id="",
                    title=pick.external_link_text or pick.external_link_url,
                    url=pick.external_link_url,
                    snippet=escape(Truncator(pick.description or "").chars(160)),
                    score=0.0,
                )
            )
    return hits


# --- helpers for the no-result block and suggestions ---------------------------


def popular_topics(limit: int = 6) -> list:
    """Live public topic pages, the ones with most guides first (one query: Wagtail's numchild)."""
    from knowledge.models import TopicIndexPage

    return list(TopicIndexPage.objects.live().public().order_by("-numchild", "path")[:limit])


def facet_labels(name: str, values: list[str]) -> dict[str, str]:
    """Readable labels for facet values the engines report as codes (topic slugs, district codes)."""
    if not values:
        return {}
    if name == "topic":
        from knowledge.models import TopicIndexPage

        return dict(TopicIndexPage.objects.filter(slug__in=values).values_list("slug", "title"))
    if name == "district":
        from knowledge.models import District

        return dict(District.objects.filter(code__in=values).values_list("code", "name"))
    return {}


_pinyin_index: dict = {"version": None, "index": None}


def pinyin_title_index():
    """Pinyin of the titles every reader may see (live public articles and guides, and
    policies), rebuilt in this process when the page cache's content version moves:
    every publish, unpublish, move, delete and policy save bumps it, so an unpublished
    title is never suggested."""
    from knowledge.models import Policy, PolicyTransitionGuidePage, ServiceItem, SolutionArticlePage
    from kernel.content_version import content_version

    from .analysis import domain_terms
    from .pinyin import PinyinTitleIndex

    version = content_version()
    if _pinyin_index["version"] != version or _pinyin_index["index"] is None:
        titles = [
            *SolutionArticlePage.objects.live().public().order_by("path").values_list("title", flat=True),
            *PolicyTransitionGuidePage.objects.live().public().order_by("path").values_list("title", flat=True),
            *Policy.objects.order_by("pk").values_list("title", flat=True),
            # The words readers search for even when no title spells them (yyzz → 营业执照):
            # the public names of service items and the domain dictionary.
            *ServiceItem.objects.order_by("pk").values_list("name", flat=True),
            *domain_terms(),
        ]
        _pinyin_index.update(version=version, index=PinyinTitleIndex(titles))
    return _pinyin_index["index"]


def pinyin_title_matches(query: str, *, limit: int = 8) -> list[str]:
    """Public titles whose pinyin (or initials) the query spells: yyzz → …营业执照…"""
    from .pinyin import pinyin_key

    if not pinyin_key(query):
        return []
    return [m.title for m in pinyin_title_index().matches(query, limit=limit)]


def pinyin_terms(query: str, *, limit: int = 5) -> list[str]:
    """The Chinese terms a pinyin query stands for, for "您是不是要找" on an empty result."""
    from .pinyin import pinyin_key

    if not pinyin_key(query):
        return []
    return pinyin_title_index().terms(query, limit=limit)


def suggestions_for(prefix: str, *, limit: int = 8) -> list[str]:
    """Autocomplete: matching titles from the index, popular past queries, then titles
    whose pinyin the prefix spells."""
    from .analytics import is_blocked, popular_queries_with_prefix, suggestion_rules

    prefix = " ".join(prefix.split())
    if not prefix:
        return []
    out: list[str] = []
    seen: set[str] = set()
    try:
        titles = get_engine().suggest(prefix, limit=limit)
    except Exception:  # suggestions are a convenience: an engine hiccup must not show an error
        logger.warning("suggest failed", exc_info=True)
        titles = []
    candidates = list(titles) + popular_queries_with_prefix(prefix, limit=limit)
    if len(candidates) < limit:
        candidates += pinyin_title_matches(prefix, limit=limit)
    _approved, blocked = suggestion_rules()
    for text in candidates:
        key = text.strip().lower()
        if key and key not in seen and not is_blocked(text, blocked):
            seen.add(key)
            out.append(text.strip())
        if len(out) >= limit:
            break
    return out
