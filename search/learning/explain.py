"""What the learned ranking did, for editors (热门搜索): reads only, no writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from . import rerank, signals
from .features import FEATURES, LABELS, doc_key

SHOWN = 10


@dataclass
class Moved:
    title: str
    url: str
    new_position: int | None
    old_position: int
    reasons: list[str] = field(default_factory=list)

    @property
    def change(self) -> int:
        """Positions gained (positive: moved up); 0 unchanged."""
        return (self.old_position - self.new_position) if self.new_position else -999


def active_row(audience: str = signals.PUBLIC):
    from ..models import RankingModel

    return (
        RankingModel.objects.filter(audience=audience, status=RankingModel.Status.ACTIVE)
        .order_by("-activated_at", "-pk")
        .first()
    )


def _reasons(contrib_row, mean_row, direction: int, limit: int = 2) -> list[str]:
    """The features that pushed this result the way it moved, strongest first, as Chinese labels."""
    diffs = [(float(c - m), name) for c, m, name in zip(contrib_row, mean_row, FEATURES)]
    diffs = [d for d in diffs if d[0] * direction > 0.05]
    diffs.sort(key=lambda d: -abs(d[0]))
    return [f"{LABELS[name]}（{'+' if d > 0 else '−'}{abs(d):.2f}）" for d, name in diffs[:limit]]


def explain_query(q: str) -> dict:
    """For one query: the learned top 10 against the engine's, each with where it came from and why,
    and what dropped out of the top 10. Uses the active public model (what anonymous readers get)."""
    from ..engines import get_engine
    from ..models import RankingModel
    from .memory import Memory
    from .model import Ranker
    from .services import candidates

    row = active_row(signals.PUBLIC)
    out = {"query": q, "model": row, "moved": [], "dropped": [], "enabled": rerank.learning_enabled()}
    if row is None or not q:
        return out
    ranker = Ranker.from_params(row.params, Memory.from_json(row.memory))
    if ranker is None:
        return out
    hits = candidates(get_engine(), q, signals.PUBLIC, int(rerank.config()["TOP_K"]))
    if not hits:
        return out
    contrib = ranker.contributions(q, hits)
    mean = contrib.mean(axis=0)
    scores = contrib.sum(axis=1)
    order = sorted(range(len(hits)), key=lambda i: (-scores[i], i))
    new_pos = {i: p for p, i in enumerate(order, start=1)}
    for p, i in enumerate(order[:SHOWN], start=1):
        hit = hits[i]
        direction = (i + 1) - p
        out["moved"].append(
            Moved(
                title=hit.title, url=hit.url, new_position=p, old_position=i + 1,
                reasons=_reasons(contrib[i], mean, 1 if direction >= 0 else -1) if direction else [],
            )
        )
    for i, hit in enumerate(hits[:SHOWN]):
        if new_pos[i] > SHOWN:
            out["dropped"].append(
                Moved(title=hit.title, url=hit.url, new_position=new_pos[i], old_position=i + 1,
                      reasons=_reasons(contrib[i], mean, -1))
            )
    out["keys"] = [doc_key(hits[i]) for i in order[:SHOWN]]
    _ = RankingModel  # imported for the type of out["model"]
    return out


def click_through(*, since, until=None) -> dict:
    """Anonymous searches, clicks, clicks per search and long reads (clicks whose page then stayed
    visible for the read threshold) in [since, until).

    A click or a read counts once per reader-day, query and result (as the learned ranking counts
    them, ``readers``): a script re-clicking a result must not fake the model's effect on editors'
    figures.
    """
    from ..analytics import ROLE_ANONYMOUS
    from ..models import QueryClick, QueryLog

    logs = QueryLog.objects.filter(role=ROLE_ANONYMOUS, created_at__gte=since)
    clicks = QueryClick.objects.filter(role=ROLE_ANONYMOUS, created_at__gte=since)
    if until is not None:
        logs = logs.filter(created_at__lt=until)
        clicks = clicks.filter(created_at__lt=until)
    n = logs.count()
    c, reads = _per_reader(clicks), _per_reader(clicks.filter(read_at__isnull=False))
    return {"searches": n, "clicks": c, "rate": (c / n) if n else None, "reads": reads}


def _per_reader(clicks) -> int:
    """Clicks without a marker (replayed) one each; marked ones once per marker, query and result."""
    marked = clicks.exclude(client="").order_by().values("client", "query", "doc").distinct().count()
    return clicks.filter(client="").count() + marked


def summary() -> dict:
    """The 热门搜索 panel: switch, active public model, its held-out check, click-through since it
    started against the same length of time before."""
    from ..analytics import long_read_seconds
    from ..models import RankingModel

    row = active_row(signals.PUBLIC)
    cfg = rerank.config()
    out = {
        "enabled": rerank.learning_enabled(),
        "model": row,
        "min_queries": int(cfg["MIN_QUERIES"]),
        "last_run": RankingModel.objects.order_by("-created_at", "-pk").first(),
        "staff_model": active_row(signals.STAFF),
        "read_seconds": long_read_seconds(),
    }
    if row is not None and row.activated_at:
        now = timezone.now()
        span = max(now - row.activated_at, timedelta(hours=1))
        out["after"] = click_through(since=row.activated_at)
        out["before"] = click_through(since=row.activated_at - span, until=row.activated_at)
    return out
