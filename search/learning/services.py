"""Training and replay: the writes of search.learning.

``train`` builds examples from the logged positives and cross-validates over them (each logged
query scored by a model fitted without it and without its own signals in the memory), which also
chooses C and the rerank depth; the candidate, fitted on every logged query, is activated only when
its cross-validated nDCG@10 beats the active model's (or, with none yet, the engine alone). ``replay`` feeds ``{"query", "relevant"}`` lines
through the same analytics calls that record live searches and clicks, then trains.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from .. import analytics
from ..engines.base import SearchQuery
from ..signals import public_results_changed
from . import rerank, signals
from .memory import Memory
from .model import Example, Ranker, cross_validate, fit

logger = logging.getLogger(__name__)

PUBLIC_TYPES = ["article", "guide", "policy"]
POSITIVE_KINDS = (signals.CLICK, signals.LONG_READ, signals.RESOLVED)


@dataclass
class TrainResult:
    audience: str
    status: str  # "activated" | "rejected" | "not_enough" | "no_pairs"
    queries: int = 0
    holdout: int = 0
    pairs: int = 0
    metrics: dict = field(default_factory=dict)
    model_id: int | None = None

    def message(self) -> str:
        label = "公众" if self.audience == signals.PUBLIC else "工作人员"
        if self.status == "not_enough":
            return (f"{label}模型：有正反馈的查询 {self.queries} 个，少于启用所需的 "
                    f"{self.metrics.get('min_queries')} 个，暂不训练，搜索保持原始排序。")
        if self.status == "no_pairs":
            return f"{label}模型：{self.queries} 个查询中没有可学习的排序对（点击都在第一位），未训练新模型。"
        m = self.metrics
        prev = f"{m['previous']:.4f}" if m.get("previous") is not None else "—"
        verdict = "已启用" if self.status == "activated" else "未超过现用排序，保留原模型"
        return (f"{label}模型：有正反馈的查询 {self.queries} 个（{m.get('folds', 5)} 折交叉检验，每个查询轮流留作检验），"
                f"样本对 {self.pairs} 个；检验 nDCG@10：引擎 {m['engine']:.4f}，原模型 {prev}，新模型 {m['candidate']:.4f}——{verdict}。")


def _inner(engine):
    return getattr(engine, "inner", engine)


def candidates(engine, q: str, audience: str, k: int) -> list:
    """The engine's own top k for ``q`` (with text), as the audience's searches see it."""
    if audience == signals.PUBLIC:
        query = SearchQuery(q=q, types=PUBLIC_TYPES, page_size=k, facets=False, with_text=True)
    else:
        query = SearchQuery(q=q, include_staff=True, restrict_keys=None, page_size=k, facets=False, with_text=True)
    return list(_inner(engine).search(query).hits)


def _positives_by_query(sigs: Iterable[signals.Signal]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for s in sigs:
        if s.kind in POSITIVE_KINDS and s.query:
            out.setdefault(s.query, set()).add(s.doc)
    return out


def _active_row(audience: str):
    from ..models import RankingModel

    return (
        RankingModel.objects.filter(audience=audience, status=RankingModel.Status.ACTIVE)
        .order_by("-activated_at", "-pk")
        .first()
    )


def train(*, audience: str = signals.PUBLIC, engine=None) -> TrainResult:
    from ..engines import get_engine
    from ..models import RankingModel

    cfg = rerank.config()
    engine = engine or get_engine()
    sigs = signals.collect(audience)
    by_query = _positives_by_query(sigs)
    result = TrainResult(audience=audience, status="not_enough", queries=len(by_query),
                         metrics={"min_queries": int(cfg["MIN_QUERIES"])})
    if len(by_query) < int(cfg["MIN_QUERIES"]):
        return result
    k = int(cfg["TOP_K"])
    examples = [Example(query=q, hits=candidates(engine, q, audience, k), positives=pos)
                for q, pos in sorted(by_query.items())]
    previous_row = _active_row(audience)
    previous = Ranker.from_params(previous_row.params) if previous_row else None
    cv = cross_validate(
        examples, lambda left_out: Memory.build(sigs, exclude_queries=left_out), max_k=k, previous=previous,
        folds=int(cfg["FOLDS"]),
    )
    memory = Memory.build(sigs)
    ranker, pairs = fit(examples, memory, choice=cv.choice if cv else None)
    result.holdout, result.pairs = (cv.queries if cv else 0), pairs
    if ranker is None or cv is None:
        result.status = "no_pairs"
        return result
    metrics = {
        "engine": cv.engine,
        "candidate": cv.candidate,
        "previous": cv.previous,
        "choice": cv.choice,
        "cross_validation": cv.by_choice,
        "folds": int(cfg["FOLDS"]),
    }
    bar = metrics["previous"] if previous is not None else metrics["engine"]
    # Never lower: a model that does not rank unseen logged queries better than the engine is not used.
    accepted = metrics["candidate"] > bar and metrics["candidate"] > metrics["engine"]
    result.metrics = metrics
    with transaction.atomic():
        row = RankingModel(
            audience=audience,
            status=RankingModel.Status.ACTIVE if accepted else RankingModel.Status.REJECTED,
            activated_at=timezone.now() if accepted else None,
            queries=len(by_query),
            pairs=pairs,
            params=ranker.params(),
            memory=memory.to_json() if accepted else {},
            metrics={key: (round(v, 6) if isinstance(v, float) else v) for key, v in metrics.items()},
        )
        row.full_clean()
        row.save()
        if accepted:
            RankingModel.objects.filter(audience=audience, status=RankingModel.Status.ACTIVE).exclude(pk=row.pk).update(
                status=RankingModel.Status.RETIRED
            )
    rerank.invalidate()
    if accepted and audience == signals.PUBLIC:
        public_results_changed.send(sender=train, doc_type="", doc_ids=[])
    result.status = "activated" if accepted else "rejected"
    result.model_id = row.pk
    logger.info("learned ranking %s: %s", audience, result.status)
    return result


def train_all(*, engine=None) -> list[TrainResult]:
    return [train(audience=a, engine=engine) for a in (signals.PUBLIC, signals.STAFF)]


# --- replay ------------------------------------------------------------------------


@dataclass
class ReplayResult:
    queries: int = 0
    clicks: int = 0
    unresolved: int = 0
    skipped: int = 0


def resolve_external_ids(ids: list[str]) -> dict[str, str]:
    """External ids (e.g. the id an imported document carries) → index keys "article:12"."""
    from ..sources import all_sources, doc_id_for

    out: dict[str, str] = {}
    for source in all_sources():
        if source.doc_type not in PUBLIC_TYPES:
            continue
        for model in source.models:
            if not any(f.name == "external_id" for f in model._meta.get_fields()):
                continue
            for obj in model.objects.filter(external_id__in=ids):
                out.setdefault(obj.external_id, f"{source.doc_type}:{doc_id_for(source, obj)}")
    return out


def replay(lines: Iterable[str], *, engine=None, resolve: Callable[[list[str]], dict[str, str]] | None = None,
           depth: int = 50) -> ReplayResult:
    """Each ``{"query", "relevant": [ids]}`` line: one anonymous search, logged as the search page
    logs it, and a click on each relevant result (at its position when the search found it).
    Ids are index keys ("article:12") or external ids."""
    from ..engines import get_engine

    engine = engine or get_engine()
    resolve = resolve or resolve_external_ids
    out = ReplayResult()
    for raw in lines:
        raw = raw.strip()
        if not raw:
            continue
        try:
            item = json.loads(raw)
            q = str(item["query"])
            relevant = [str(x) for x in item.get("relevant") or []]
        except (ValueError, KeyError, TypeError):
            out.skipped += 1
            continue
        results = engine.search(SearchQuery(q=q, types=PUBLIC_TYPES, page_size=depth, facets=False))
        analytics.log_search(query=q, result_count=results.count, role=analytics.ROLE_ANONYMOUS)
        out.queries += 1
        where: dict[str, tuple[str, int]] = {}
        for pos, hit in enumerate(results.hits, start=1):
            key = f"{hit.doc_type}:{hit.doc_id}"
            where.setdefault(key, (key, pos))
            if hit.external_id:
                where.setdefault(hit.external_id, (key, pos))
        missing = [r for r in relevant if r not in where and ":" not in r]
        found = resolve(missing) if missing else {}
        for rid in relevant:
            if rid in where:
                key, pos = where[rid]
            elif ":" in rid:
                key, pos = rid, None
            elif rid in found:
                key, pos = found[rid], None
            else:
                out.unresolved += 1
                continue
            analytics.record_click(query=q, doc=key, role=analytics.ROLE_ANONYMOUS, position=pos)
            out.clicks += 1
    return out
