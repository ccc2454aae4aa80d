"""Engine selection: settings.BANCHENG_SEARCH["ENGINE"] = "embedded" | "elasticsearch"."""

from __future__ import annotations

from django.conf import settings

from .base import (  # noqa: F401
    EngineUnavailable,
    Hit,
    SearchDocument,
    SearchEngine,
    SearchQuery,
    SearchResults,
)

_engines: dict[tuple, SearchEngine] = {}


def _config() -> dict:
    return getattr(settings, "BANCHENG_SEARCH", {}) or {}


def get_engine(name: str | None = None) -> SearchEngine:
    """Return the configured engine (cached per name + settings that shape it), with the
    learned reranker of ``search.learning`` in front of it (a no-op until a model is active)."""
    cfg = _config()
    name = name or cfg.get("ENGINE", "embedded")
    if name == "embedded":
        from .embedded import EmbeddedEngine

        key = ("embedded",)
        if key not in _engines:
            _engines[key] = _learned(EmbeddedEngine())
        return _engines[key]
    if name == "elasticsearch":
        from .elasticsearch import ElasticsearchEngine

        key = (
            "elasticsearch",
            cfg.get("ES_URL"),
            cfg.get("ES_INDEX_PREFIX"),
            cfg.get("ES_ANALYZER_PLUGIN", ""),
        )
        if key not in _engines:
            _engines[key] = _learned(ElasticsearchEngine(
                url=cfg.get("ES_URL", "http://127.0.0.1:9200"),
                prefix=cfg.get("ES_INDEX_PREFIX", "bancheng"),
                shards=int(cfg.get("ES_SHARDS", 1)),
                replicas=int(cfg.get("ES_REPLICAS", 0)),
                analyzer_plugin=cfg.get("ES_ANALYZER_PLUGIN", ""),
            ))
        return _engines[key]
    raise ValueError(f"unknown search engine {name!r}")


def _learned(engine):
    from ..learning.rerank import LearnedRankingEngine

    return LearnedRankingEngine(engine)


def reset_engines() -> None:
    """Forget cached engine objects (tests and settings changes)."""
    _engines.clear()
