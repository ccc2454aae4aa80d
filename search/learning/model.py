"""The learned model: pairwise logistic regression (scikit-learn) over ``features.FEATURES``.

Linear on standardised features, so every reordering can be explained to an editor as the sum
of per-feature contributions. Training pairs come from logged positives the usual click-model
way: a positive above every result the engine ranked over it that got none (skip-above), and
above the next result below it (skip-next).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .features import FEATURES, doc_key, matrix
from .memory import Memory

PAGE = 10  # results a reader sees at once
REGULARISATION = 1.0  # scikit-learn's C; the default, not tuned to any evaluation set


@dataclass
class Example:
    """One logged query with positives, and the engine's top k for it (in the engine's order)."""

    query: str
    hits: list
    positives: set[str] = field(default_factory=set)


class Ranker:
    def __init__(self, *, mean, scale, coef, memory: Memory | None = None, features=FEATURES):
        self.features = tuple(features)
        self.mean = np.asarray(mean, dtype=float)
        self.scale = np.asarray(scale, dtype=float)
        self.coef = np.asarray(coef, dtype=float)
        self.memory = memory or Memory()

    @classmethod
    def from_params(cls, params: dict, memory: Memory | None = None) -> "Ranker | None":
        """None when the stored parameters were made for another feature set (after an upgrade)."""
        if tuple(params.get("features") or ()) != FEATURES:
            return None
        return cls(mean=params["mean"], scale=params["scale"], coef=params["coef"], memory=memory)

    def params(self) -> dict:
        return {
            "features": list(self.features),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "coef": [round(float(x), 6) for x in self.coef],
        }

    def contributions(self, q: str, hits: list, *, exclude_query: str | None = None,
                      memory: Memory | None = None) -> np.ndarray:
        x = matrix(q, hits, self.memory if memory is None else memory, exclude_query=exclude_query)
        return (x - self.mean) / self.scale * self.coef

    def scores(self, q: str, hits: list, **kw) -> np.ndarray:
        return self.contributions(q, hits, **kw).sum(axis=1) if hits else np.zeros(0)

    def order(self, q: str, hits: list, **kw) -> list[int]:
        """Indexes of ``hits`` best first (ties keep the engine's order)."""
        s = self.scores(q, hits, **kw)
        return sorted(range(len(hits)), key=lambda i: (-s[i], i))


def _pairs(example: Example) -> list[tuple[int, int]]:
    keys = [doc_key(h) for h in example.hits]
    pos = [i for i, k in enumerate(keys) if k in example.positives]
    if not pos:
        return []
    out = set()
    lowest = max(pos)
    for j in range(lowest):  # skip-above
        if keys[j] not in example.positives:
            for i in pos:
                if i > j:
                    out.add((i, j))
    # Skip-above alone only ever shows a positive *below* a negative, which would teach the model
    # that a lower engine rank is better (position bias): the results shown on the same page
    # below a positive without one are negatives too.
    for i in pos:
        for j in range(i + 1, max(PAGE, i + 2)):
            if j < len(keys) and keys[j] not in example.positives:
                out.add((i, j))
    return sorted(out)


def fit(examples: list[Example], memory: Memory, *, c: float = REGULARISATION) -> tuple[Ranker | None, int]:
    """(ranker, number of pairs); ranker None when the examples hold no pair to learn from."""
    from sklearn.linear_model import LogisticRegression

    diffs, rows = [], []
    for ex in examples:
        pairs = _pairs(ex)
        if not pairs:
            continue
        x = matrix(ex.query, ex.hits, memory, exclude_query=ex.query)
        rows.append(x)
        diffs.extend(x[i] - x[j] for i, j in pairs)
    if not diffs:
        return None, 0
    allx = np.vstack(rows)
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale < 1e-9] = 1.0
    d = np.asarray(diffs) / scale
    x = np.vstack([d, -d])
    y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    clf = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    clf.fit(x, y)
    return Ranker(mean=mean, scale=scale, coef=clf.coef_[0], memory=memory), len(diffs)


def ndcg_at(keys: list[str], positives: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, key in enumerate(keys[:k]) if key in positives)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(positives), k)))
    return dcg / ideal if ideal else 0.0


def evaluate(ranker: Ranker | None, examples: list[Example], memory: Memory | None = None) -> float:
    """Mean nDCG@10 of the logged positives; ``ranker`` None = the engine's own order."""
    if not examples:
        return 0.0
    total = 0.0
    for ex in examples:
        keys = [doc_key(h) for h in ex.hits]
        if ranker is not None:
            keys = [keys[i] for i in ranker.order(ex.query, ex.hits, memory=memory)]
        total += ndcg_at(keys, ex.positives)
    return total / len(examples)
