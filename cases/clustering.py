"""Recurring classes of cases (一类事) from recent cases (issue 5).

Transparent and deterministic: each case becomes a TF-IDF vector of its
analysed text (same analyser as the triage model); the similarity of two cases
is a weighted sum of the cosine of their texts, "same service item" and "same
blocking cause"; average-linkage agglomerative clustering cuts the tree at a
fixed distance. The same input always gives the same classes, in the same
order, and every class carries the terms that hold it together.

Plain data in, plain data out: the report view/selector turns Case rows into
``ClusterItem`` and renders the ``CaseClass`` list.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Hashable

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from .triage import _ANALYSERS, _search_analyser_available

__all__ = [
    "ClusterItem",
    "Trend",
    "CaseClass",
    "class_threshold",
    "find_case_classes",
    "DEFAULT_DISTANCE",
    "WEIGHTS",
]

# Weights of the three signals in the pairwise similarity (sum to 1).
WEIGHTS = {"text": 0.6, "service_item": 0.25, "blocking_cause": 0.15}
# Cut the dendrogram here: 1 - similarity. Measured on the fixed set in
# tests/cases/test_clustering.py: the expected classes come out for 0.76-0.8
# with the search analyser and 0.7-0.78 with the char fallback.
DEFAULT_DISTANCE = 0.77
TREND_DAYS = 30

CAUSE_LABELS = {
    "policy_change": "新老政策衔接",
    "legacy": "历史遗留问题",
    "missing_materials": "材料缺失",
    "unclear_responsibility": "部门职责不清",
    "system": "系统限制",
    "other": "其他",
}


@dataclass(frozen=True)
class ClusterItem:
    case_id: Hashable
    text: str
    created_at: datetime.datetime | datetime.date
    service_item: str | None = None
    blocking_cause: str | None = None
    district: str | None = None
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trend:
    last: int  # cases in the last TREND_DAYS days
    previous: int  # cases in the TREND_DAYS days before that

    @property
    def direction(self) -> str:
        if self.last > self.previous:
            return "up"
        if self.last < self.previous:
            return "down"
        return "flat"


@dataclass(frozen=True)
class CaseClass:
    members: list[Hashable]
    size: int
    trend: Trend
    districts: list[tuple[str, int]]
    departments: list[tuple[str, int]]
    top_terms: list[str]
    label: str
    service_items: list[tuple[str, int]] = field(default_factory=list)
    blocking_causes: list[tuple[str, int]] = field(default_factory=list)
    above_threshold: bool = False


def class_threshold() -> dict:
    """settings.BANCHENG_CLASS_THRESHOLD, e.g. {"min_cases": 3, "days": 60}."""
    from django.conf import settings

    configured = getattr(settings, "BANCHENG_CLASS_THRESHOLD", None) or {}
    return {"min_cases": int(configured.get("min_cases", 3)), "days": int(configured.get("days", 60))}


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _counted(values) -> list[tuple[str, int]]:
    counts = Counter(v for v in values if v)
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))


def _similarity(items: list[ClusterItem], X) -> np.ndarray:
    text_sim = (X @ X.T).toarray()

    def same(attr: str) -> np.ndarray:
        values = [getattr(i, attr) for i in items]
        return np.array([[1.0 if a and a == b else 0.0 for b in values] for a in values])

    sim = (
        WEIGHTS["text"] * text_sim
        + WEIGHTS["service_item"] * same("service_item")
        + WEIGHTS["blocking_cause"] * same("blocking_cause")
    )
    np.fill_diagonal(sim, 1.0)
    return np.clip(sim, 0.0, 1.0)


def _words(texts: list[str]) -> set[str]:
    """Dictionary words of the texts: keeps labels readable (股东、失联, not 东失)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return {w for t in set(texts) for w in jieba.lcut(t) if len(w) >= 2}


def _top_terms(X, rows: list[int], terms, n: int, texts: list[str]) -> list[str]:
    sub = X[rows]
    weight = np.asarray(sub.sum(axis=0)).ravel()
    shared = np.asarray((sub > 0).sum(axis=0)).ravel()
    # Terms most members share first, then by weight; single characters say little.
    order = sorted(
        (i for i in np.flatnonzero(weight) if len(terms[i]) >= 2),
        key=lambda i: (-shared[i], -weight[i], terms[i]),
    )
    words = _words(texts)
    readable = [str(terms[i]) for i in order if terms[i] in words]
    if len(readable) >= min(3, n):
        return readable[:n]
    return [str(terms[i]) for i in order[:n]]


def find_case_classes(
    items: list[ClusterItem],
    *,
    now: datetime.datetime | datetime.date | None = None,
    min_cases: int | None = None,
    days: int | None = None,
    distance_threshold: float = DEFAULT_DISTANCE,
    analyzer: str = "auto",
    include_small: bool = False,
) -> list[CaseClass]:
    """Group the cases of the last ``days`` days into classes.

    Returns classes of at least two cases (or of ``min_cases`` unless
    ``include_small``), largest first; ``above_threshold`` marks those that
    may be opened as a 类案.
    """
    threshold = class_threshold()
    min_cases = threshold["min_cases"] if min_cases is None else min_cases
    days = threshold["days"] if days is None else days
    today = _as_date(now) if now else datetime.date.today()
    since = today - datetime.timedelta(days=days)
    recent = [i for i in items if since < _as_date(i.created_at) <= today and (i.text or "").strip()]
    recent.sort(key=lambda i: (_as_date(i.created_at), str(i.case_id)))  # deterministic order
    if len(recent) < 2:
        return []
    if analyzer == "auto":
        analyzer = "search" if _search_analyser_available() else "char"
    vectorizer = TfidfVectorizer(analyzer=_ANALYSERS[analyzer], sublinear_tf=True)
    X = vectorizer.fit_transform([i.text for i in recent])
    terms = vectorizer.get_feature_names_out()
    distance = 1.0 - _similarity(recent, X)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=distance_threshold
    ).fit_predict(distance)

    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(int(label), []).append(row)

    last_start = today - datetime.timedelta(days=TREND_DAYS)
    prev_start = today - datetime.timedelta(days=2 * TREND_DAYS)
    classes: list[CaseClass] = []
    for rows in groups.values():
        if len(rows) < 2 or (not include_small and len(rows) < min_cases):
            continue
        members = [recent[r] for r in rows]
        dates = [_as_date(m.created_at) for m in members]
        trend = Trend(
            last=sum(1 for d in dates if d > last_start),
            previous=sum(1 for d in dates if prev_start < d <= last_start),
        )
        service_items = _counted(m.service_item for m in members)
        causes = _counted(m.blocking_cause for m in members)
        top = _top_terms(X, rows, terms, 6, [m.text for m in members])
        parts = []
        if service_items:
            parts.append(service_items[0][0])
        if causes:
            parts.append(CAUSE_LABELS.get(causes[0][0], causes[0][0]))
        if top:
            parts.append("、".join(top[:3]))
        classes.append(
            CaseClass(
                members=[m.case_id for m in members],
                size=len(members),
                trend=trend,
                districts=_counted(m.district for m in members),
                departments=_counted(d for m in members for d in m.departments),
                top_terms=top,
                label=" · ".join(parts),
                service_items=service_items,
                blocking_causes=causes,
                above_threshold=len(members) >= min_cases,
            )
        )
    classes.sort(key=lambda c: (-c.size, str(c.members[0])))
    return classes
