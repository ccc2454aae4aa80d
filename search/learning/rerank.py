"""The engine wrapper that applies the active learned model to the top k of either engine.

``search.engines.get_engine()`` returns the configured engine wrapped in
``LearnedRankingEngine``: the search page, the JSON API, the precedent panel and 提交前看看 all
get the learned order without knowing about it. A search is reranked only when the editors'
switch is on and an active model exists for its audience (anonymous-visible searches use the
public model, built from public signals only); otherwise it is the engine's own search.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from django.conf import settings

from ..engines import highlight
from ..engines.base import SearchQuery, SearchResults
from . import signals
from .features import doc_key

logger = logging.getLogger(__name__)

DEFAULTS = {
    "MIN_QUERIES": 30,  # distinct queries with positives before any model is trained
    "TOP_K": 30,  # candidates reranked per search
    "CHECK_SECONDS": 5.0,  # how often a process looks for a new model or a switched-off flag
    "FOLDS": 5,  # cross-validation folds over the logged queries that judge a new model
    # What one client (a daily marker of its address, or of a signed-in user) can teach per day
    # (learning/readers.py): a (query, result) it clicked counts once, however often; only an anonymous
    # client's first CLIENT_QUERIES distinct queries count; past CLIENT_BOT_CLICKS clicks, nothing.
    "CLIENT_QUERIES": 10,
    "CLIENT_BOT_CLICKS": 150,
}


def config() -> dict:
    return {**DEFAULTS, **(getattr(settings, "BANCHENG_SEARCH_LEARNING", None) or {})}


_state: dict = {"checked": 0.0, "rankers": {}, "ids": {}}
_lock = threading.Lock()


def invalidate() -> None:
    """Forget the loaded models (a model was trained or the switch moved in this process)."""
    with _lock:
        _state["checked"] = 0.0


def learning_enabled() -> bool:
    from ..models import LearningSettings

    row = LearningSettings.objects.order_by("pk").values_list("enabled", flat=True).first()
    return True if row is None else bool(row)


def active_ranker(audience: str):
    """The Ranker to apply for ``audience`` now, or None (switched off, or nothing learned yet)."""
    now = time.monotonic()
    if now - _state["checked"] >= float(config()["CHECK_SECONDS"]):
        _refresh()
        _state["checked"] = now
    return _state["rankers"].get(audience)


def _refresh() -> None:
    from ..models import RankingModel
    from .memory import Memory
    from .model import Ranker

    try:
        enabled = learning_enabled()
        active = {}
        if enabled:
            rows = RankingModel.objects.filter(status=RankingModel.Status.ACTIVE).order_by("-activated_at", "-pk")
            for audience, pk in rows.values_list("audience", "pk"):
                active.setdefault(audience, pk)
    except Exception:  # ranking must never break a search: the engine's order instead
        logger.warning("could not read the learned ranking state", exc_info=True)
        active = {}
    with _lock:
        rankers = {}
        for audience, pk in active.items():
            if _state["ids"].get(audience) == pk and audience in _state["rankers"]:
                rankers[audience] = _state["rankers"][audience]
                continue
            row = RankingModel.objects.filter(pk=pk).values("params", "memory").first()
            ranker = Ranker.from_params(row["params"], Memory.from_json(row["memory"])) if row else None
            if ranker is not None:
                rankers[audience] = ranker
        _state["rankers"] = rankers
        _state["ids"] = {a: active[a] for a in rankers}


def audience_of(query: SearchQuery) -> str:
    return signals.STAFF if query.include_staff else signals.PUBLIC


def rerank_window(query: SearchQuery, k: int) -> bool:
    page = max(1, int(query.page or 1))
    size = max(1, int(query.page_size or 10))
    return bool(query.q) and not query.with_text and page * size <= k


def rerank(inner, query: SearchQuery, ranker, k: int) -> SearchResults:
    """The engine's top k for ``query``, reordered by ``ranker``, then the requested page."""
    page = max(1, int(query.page or 1))
    size = min(max(1, int(query.page_size or 10)), 100)
    results = inner.search(replace(query, page=1, page_size=k, with_text=True))
    hits = list(results.hits)
    if len(hits) > 1:
        order = ranker.order(query.q, hits)
        hits = [hits[i] for i in order]
    shown = hits[(page - 1) * size : page * size]
    for hit in shown:
        hit.snippet = highlight.snippet(query.q, hit.summary, hit.body)
        hit.summary = hit.body = ""
        hit.title_norm = hit.summary_norm = hit.body_norm = None
    return SearchResults(
        count=results.count, hits=shown, facets=results.facets, page=page, page_size=size,
        query=query, facets_sampled=results.facets_sampled,
    )


class LearnedRankingEngine:
    """Any engine, with the active learned model applied to its top k (see module docstring)."""

    def __init__(self, inner):
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    def search(self, query: SearchQuery) -> SearchResults:
        k = int(config()["TOP_K"])
        if not rerank_window(query, k):
            return self.inner.search(query)
        ranker = active_ranker(audience_of(query))
        if ranker is None:
            return self.inner.search(query)
        k = min(ranker.k or k, k)  # the depth the model was chosen for: fewer texts to fetch
        if not rerank_window(query, k):
            return self.inner.search(query)
        return rerank(self.inner, query, ranker, k)


def engine_order_keys(hits) -> list[str]:
    return [doc_key(h) for h in hits]


def _on_change(sender, **kwargs):
    invalidate()


def connect() -> None:
    """A trained model or a moved switch takes effect at once in this process (others: CHECK_SECONDS)."""
    from django.db.models.signals import post_delete, post_save

    from ..models import LearningSettings, RankingModel

    for model in (LearningSettings, RankingModel):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"learning-invalidate-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"learning-invalidate-delete-{model.__name__}")
