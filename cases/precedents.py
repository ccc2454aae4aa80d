"""Precedents before escalating (issue 5): similar resolved cases and matching guidance.

Read-only (a selector in spirit): given the matter as it is being typed at
intake or triage, return the most similar resolved cases the user may see and
the published articles/guides, each with why it matched (the whole words it
shares with the typed text) and, for cases, the outcome.

Relevance: a hit is shown only when it shares at least one *content* word with
the typed text (a jieba word of what the clerk typed, or a dictionary word inside
it, that is not one of the desk's generic words such as 系统、提示、材料、无法) and
scores at least ``SCORE_FLOOR`` of the best hit. Without that, a matter about
营业性演出许可 "matched" a deregistration case on 系统、提示、正确. The words
shown as the reason are exactly those shared whole words.

Privacy: the typed text is de-identified before it reaches the search engine,
so no reporter's name or number ends up in engine queries or their logs. Case
visibility is decided twice: by the engine's restrict keys
(``search.selectors.staff_visibility_for``) and again against
``cases.selectors.visible_cases_for`` (only closed/archived cases), so a stale
index entry can never leak a case to the wrong role.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass, field

from django.core.cache import cache

from kernel.content_version import content_version, staff_index_version
from kernel.personal_data import deidentify, without_placeholders

logger = logging.getLogger(__name__)

__all__ = ["Precedent", "similar_cases_and_articles", "MIN_QUERY_CHARS"]

MIN_QUERY_CHARS = 4  # fewer typed characters match everything and help nobody
# A hit scoring below this share of the best hit's score is noise beside it (chosen by
# reading the demo's panels, not tuned on a labelled set).
SCORE_FLOOR = 0.2
# How long an unchanged index's answer is kept (the key changes with the index anyway).
PRECEDENT_CACHE_SECONDS = 600
# Words that turn up in almost every matter at the desk: shared alone they say nothing
# about whether two matters are alike (a hand-picked list of the desk's generic words, not
# derived from document frequencies). Shown as part of a reason, never enough for one.
GENERIC_WORDS = frozenset("""
申请 办理 处理 办事 办不成 办不了 办不下来 不成 系统 提示 显示 正确 错误 无法 不能 不了 没有 一直 多次 反复 来回
材料 提交 上传 填写 填报 窗口 工作人员 人员 问题 情况 现在 已经 目前 之前 以后 时候 时间 今天 当天
要求 告知 通知 咨询 反映 相关 规定 政策 流程 手续 证明 信息 资料 登记 营业 许可 证件 部门 单位 企业
公司 个人 服务 政务 业务 网上 线上 线下 页面 电话 查不到 下来 怎么办 不知道 不会 不行 只能 还是 结果
""".split())


@dataclass(frozen=True)
class Precedent:
    kind: str  # "case" | "article" | "guide"
    id: int
    title: str
    url: str
    snippet: str  # safe HTML: the shared words in <mark>, the rest escaped
    matched_terms: list[str] = field(default_factory=list)
    outcome: str = ""  # display label for cases ("办成" ...), "" for articles
    classification: str = ""  # display label for cases
    external_id: str = ""  # tracking number for cases
    score: float = 0.0


def _typed_words(text: str) -> list[str]:
    """The clerk's own words (jieba, precise mode), function words and single characters left out."""
    from search.analysis import segment, normalize, is_function_word

    words = []
    for word in segment(normalize(text)):
        if len(word) >= 2 and not is_function_word(word) and word not in words:
            words.append(word)
    return words


def shared_words(typed: list[str], *texts: str) -> list[str]:
    """The typed words found whole in ``texts``; for a long typed word not found whole,
    the dictionary words inside it that are (营业性演出许可 → 演出)."""
    from search.analysis import normalize, word_parts

    doc = normalize("\n".join(t for t in texts if t))
    found: list[str] = []
    for word in typed:
        if word in doc:
            candidates = [word]
        elif len(word) >= 3:
            candidates = [p for p in word_parts(word) if p in doc]
        else:
            candidates = []
        for c in candidates:
            if c not in found:
                found.append(c)
    return [w for w in found if not any(w != other and w in other for other in found)]


def is_relevant(words: list[str]) -> bool:
    """At least one shared word that says what the matter is about."""
    return any(w not in GENERIC_WORDS for w in words)


@dataclass(frozen=True)
class _Candidate:
    hit: object
    words: list[str]  # every shared word: marked in the snippet

    @property
    def reason(self) -> list[str]:
        # The content words are the reason; the generic ones only support it.
        return [w for w in self.words if w not in GENERIC_WORDS]


def _candidates(hits, typed: list[str]) -> list[_Candidate]:
    out = []
    for hit in hits:
        words = shared_words(typed, hit.title, hit.summary, hit.body)
        if is_relevant(words):
            out.append(_Candidate(hit, words))
    return out


def _snippet(candidate: _Candidate) -> str:
    from search.engines.highlight import snippet_for_terms

    return snippet_for_terms(candidate.words, candidate.hit.summary, candidate.hit.body)


def similar_cases_and_articles(
    *, user, text: str, limit: int = 5, exclude_case_id: int | None = None
) -> list[Precedent]:
    """Resolved cases first (up to ``limit``), then articles and guides (up to ``limit``).

    Returns [] for too-short text or when the engine is unavailable (the
    panel is an aid; intake must keep working without it).
    """
    from search.selectors import staff_visibility_for

    query_text = without_placeholders(deidentify((text or "").strip()).text)
    if len(query_text) < MIN_QUERY_CHARS:
        return []
    include_staff, keys = staff_visibility_for(user)
    # Every view of a case page asks again with the same matter: the engine's answer is kept
    # until the index changes (a published guide, a case written into the library). What
    # this user may open is checked against the database at every view (_case_precedents).
    key = "precedents:{}:{}:{}".format(
        content_version(), staff_index_version(),
        hashlib.sha256(repr((query_text, include_staff, keys, limit, exclude_case_id)).encode()).hexdigest(),
    )
    found = cache.get(key)
    if found is None:
        found, complete = _searched(query_text, include_staff, keys, limit, exclude_case_id)
        if complete:  # an answer missing a part while the engine was down is not kept
            cache.set(key, found, PRECEDENT_CACHE_SECONDS)
    case_candidates, articles = found
    return _case_precedents(user, case_candidates, limit) + articles


def _searched(query_text, include_staff, keys, limit, exclude_case_id):
    """((case candidates, article precedents), whether the engine answered both searches); the
    case candidates are not checked against what the user may open (``_case_precedents`` is)."""
    from search.engines import get_engine
    from search.engines.base import EngineUnavailable, SearchQuery

    typed = _typed_words(query_text)
    engine = get_engine()
    # Twice the room: hits without a shared content word are dropped below.
    cases: list = []
    complete = True
    try:
        if include_staff:
            cases = engine.search(SearchQuery(
                q=query_text, types=["case"], include_staff=True, restrict_keys=keys,
                page_size=2 * limit + 1, facets=False, with_text=True,
            )).hits
        articles = engine.search(SearchQuery(
            q=query_text, types=["article", "guide"], page_size=2 * limit, facets=False, with_text=True,
        )).hits
    except EngineUnavailable:
        logger.warning("precedent search skipped: engine unavailable")
        articles = []
        complete = False
    best = max((h.score for h in [*cases, *articles]), default=0.0)
    floor = best * SCORE_FLOOR if best > 0 else float("-inf")
    cases = [h for h in cases if h.score >= floor and h.doc_id != exclude_case_id]
    articles = [h for h in articles if h.score >= floor]
    out = [
        Precedent(
            kind=c.hit.doc_type, id=c.hit.doc_id, title=c.hit.title, url=c.hit.url, snippet=_snippet(c),
            matched_terms=c.reason, external_id=c.hit.external_id, score=c.hit.score,
        )
        for c in _candidates(articles, typed)[:limit]
    ]
    # Kept without the hits' texts: only what the panel shows (the cache holds these).
    case_candidates = [
        Precedent(kind="case", id=c.hit.doc_id, title=c.hit.title, url=c.hit.url, snippet=_snippet(c),
                  matched_terms=c.reason, score=c.hit.score)
        for c in _candidates(cases, typed)
    ]
    return (case_candidates, out), complete


def _case_precedents(user, candidates: list[Precedent], limit: int) -> list[Precedent]:
    """The candidates this user may open now, with each case's outcome and class as they are now."""
    from cases.selectors import case_library, visible_cases_for

    if not candidates:
        return []
    visible = {
        case.pk: case
        for case in case_library(visible_cases_for(user)).filter(pk__in=[c.id for c in candidates])
    }
    out = []
    for c in candidates:
        case = visible.get(c.id)
        if case is None:  # not (or no longer) visible to this user, or not resolved
            continue
        out.append(dataclasses.replace(
            c,
            outcome=case.get_outcome_display() if case.outcome else "",
            classification=case.get_classification_display() if case.classification else "",
            external_id=case.tracking_number or "",
        ))
        if len(out) >= limit:
            break
    return out
