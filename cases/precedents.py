"""Precedents before escalating (issue 5): similar resolved cases and matching guidance.

Read-only (a selector in spirit): given the matter as it is being typed at
intake or triage, return the most similar resolved cases the user may see and
the published articles/guides, each with why it matched (the highlighted
terms of the engine's snippet) and, for cases, the outcome.

Privacy: the typed text is de-identified before it reaches the search engine,
so no reporter's name or number ends up in engine queries or their logs. Case
visibility is decided twice: by the engine's restrict keys
(``search.selectors.staff_visibility_for``) and again against
``cases.selectors.visible_cases_for`` (only closed/archived cases), so a stale
index entry can never leak a case to the wrong role.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field

from django.utils.html import strip_tags

from kernel.personal_data import deidentify

logger = logging.getLogger(__name__)

__all__ = ["Precedent", "similar_cases_and_articles", "MIN_QUERY_CHARS"]

MIN_QUERY_CHARS = 4  # fewer typed characters match everything and help nobody
_MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)


@dataclass(frozen=True)
class Precedent:
    kind: str  # "case" | "article" | "guide"
    id: int
    title: str
    url: str
    snippet: str  # safe HTML from the engine: matches in <mark>, the rest escaped
    matched_terms: list[str] = field(default_factory=list)
    outcome: str = ""  # display label for cases ("办成" ...), "" for articles
    classification: str = ""  # display label for cases
    external_id: str = ""  # tracking number for cases
    score: float = 0.0


def _matched_terms(snippet: str, title: str = "") -> list[str]:
    """The words behind the snippet's highlights, whole ("营业执照", not "业执")."""
    from search.analysis import words_around

    marks = []
    for raw in _MARK_RE.findall(snippet or ""):
        term = html.unescape(raw).strip()
        if term and term not in marks:
            marks.append(term)
    plain = html.unescape(strip_tags(snippet or ""))
    return words_around(f"{title}\n{plain}", marks)


def similar_cases_and_articles(
    *, user, text: str, limit: int = 5, exclude_case_id: int | None = None
) -> list[Precedent]:
    """Resolved cases first (up to ``limit``), then articles and guides (up to ``limit``).

    Returns [] for too-short text or when the engine is unavailable (the
    panel is an aid; intake must keep working without it).
    """
    from search.engines import get_engine
    from search.engines.base import EngineUnavailable, SearchQuery
    from search.selectors import staff_visibility_for

    query_text = deidentify((text or "").strip()).text
    if len(query_text) < MIN_QUERY_CHARS:
        return []
    engine = get_engine()
    out: list[Precedent] = []
    try:
        include_staff, keys = staff_visibility_for(user)
        if include_staff:
            out.extend(_case_precedents(engine, user, query_text, keys, limit, exclude_case_id, SearchQuery))
        results = engine.search(SearchQuery(q=query_text, types=["article", "guide"], page_size=limit, facets=False))
    except EngineUnavailable:
        logger.warning("precedent search skipped: engine unavailable")
        return out
    for hit in results.hits[:limit]:
        out.append(
            Precedent(
                kind=hit.doc_type,
                id=hit.doc_id,
                title=hit.title,
                url=hit.url,
                snippet=hit.snippet,
                matched_terms=_matched_terms(hit.snippet, hit.title),
                external_id=hit.external_id,
                score=hit.score,
            )
        )
    return out


def _case_precedents(engine, user, query_text, keys, limit, exclude_case_id, SearchQuery) -> list[Precedent]:
    from cases.selectors import case_library, visible_cases_for

    results = engine.search(
        SearchQuery(
            q=query_text, types=["case"], include_staff=True, restrict_keys=keys, page_size=limit + 1, facets=False
        )
    )
    hits = [h for h in results.hits if h.doc_id != exclude_case_id]
    visible = {
        case.pk: case
        for case in case_library(visible_cases_for(user)).filter(pk__in=[h.doc_id for h in hits])
    }
    out = []
    for hit in hits:
        case = visible.get(hit.doc_id)
        if case is None:  # not (or no longer) visible to this user, or not resolved
            continue
        out.append(
            Precedent(
                kind="case",
                id=case.pk,
                title=hit.title,
                url=hit.url,
                snippet=hit.snippet,
                matched_terms=_matched_terms(hit.snippet, hit.title),
                outcome=case.get_outcome_display() if case.outcome else "",
                classification=case.get_classification_display() if case.classification else "",
                external_id=case.tracking_number or "",
                score=hit.score,
            )
        )
        if len(out) >= limit:
            break
    return out
