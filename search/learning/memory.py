"""What the logs taught about each document: the queries that led to it, its positives and votes.

Held in the model row as JSON (capped per document) and loaded once per process with each
query's analysed tokens, so a search only does set intersections.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Iterable

from .. import analysis
from .signals import VOTE_DOWN, VOTE_UP, Signal

MAX_QUERIES_PER_DOC = 50


@dataclass
class DocMemory:
    # (normalised query, its analysed tokens, weight of the positives it gave this document)
    queries: list[tuple[str, frozenset, float]] = field(default_factory=list)
    positives: float = 0.0
    up: int = 0
    down: int = 0

    def weight_of(self, query: str) -> float:
        return sum(w for q, _t, w in self.queries if q == query)


class Memory:
    def __init__(self, docs: dict[str, DocMemory] | None = None):
        self.docs = docs or {}

    def get(self, doc: str) -> DocMemory | None:
        return self.docs.get(doc)

    def __len__(self) -> int:
        return len(self.docs)

    @classmethod
    def build(cls, signals: Iterable[Signal], *, exclude_queries: set[str] | frozenset = frozenset()) -> "Memory":
        """From signals; ``exclude_queries`` leaves those queries out (the held-out slice)."""
        weights: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        votes: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        for s in signals:
            if s.kind == VOTE_UP:
                votes[s.doc][0] += 1
            elif s.kind == VOTE_DOWN:
                votes[s.doc][1] += 1
            elif s.query and s.query not in exclude_queries:
                weights[s.doc][s.query] += s.weight
        return cls.from_json(
            {
                "docs": {
                    doc: {
                        "q": [[q, w] for q, w in weights.get(doc, collections.Counter()).most_common(MAX_QUERIES_PER_DOC)],
                        "n": sum(weights.get(doc, collections.Counter()).values()),
                        "up": votes.get(doc, [0, 0])[0],
                        "down": votes.get(doc, [0, 0])[1],
                    }
                    for doc in set(weights) | set(votes)
                }
            }
        )

    def to_json(self) -> dict:
        return {
            "docs": {
                doc: {"q": [[q, w] for q, _t, w in m.queries], "n": m.positives, "up": m.up, "down": m.down}
                for doc, m in self.docs.items()
            }
        }

    @classmethod
    def from_json(cls, data: dict) -> "Memory":
        docs = {}
        for doc, m in (data or {}).get("docs", {}).items():
            docs[doc] = DocMemory(
                queries=[(q, frozenset(analysis.analyze_query(q)), float(w)) for q, w in m.get("q", [])],
                positives=float(m.get("n", 0.0)),
                up=int(m.get("up", 0)),
                down=int(m.get("down", 0)),
            )
        return cls(docs)
