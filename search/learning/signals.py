"""Positive signals for learning, from providers the apps register (imports point down).

A signal is (query, document key, weight, audience, kind). ``audience`` is "public" for what an
anonymous reader did (a click from a public search, a 有帮助 vote) and "staff" for what only staff
can cause or see (clicks from signed-in searches, a case linked to a guide): the public model never
learns from staff signals. Queries are the de-identified, normalised text analytics keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

PUBLIC = "public"
STAFF = "staff"

CLICK = "click"  # a result opened from a search
LONG_READ = "long_read"  # ... and then kept visible for the read threshold (adds to its click)
RESOLVED = "resolved"  # "这篇指引解决了": a guide linked to a case that it resolved
VOTE_UP = "vote_up"  # 有帮助 (no query: a document prior)
VOTE_DOWN = "vote_down"  # 没帮助

WEIGHTS = {CLICK: 1.0, LONG_READ: 1.0, RESOLVED: 2.0}


@dataclass(frozen=True)
class Signal:
    query: str  # normalised, de-identified; "" for document-level signals (votes)
    doc: str  # "article:12"
    kind: str
    audience: str
    weight: float = 1.0
    position: int | None = None  # 1-based position of a click, when known


Provider = Callable[[], Iterable[Signal]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Apps above search add their signals here (knowledge: votes; cases: resolved-by links)."""
    _providers[name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def click_signals() -> Iterable[Signal]:
    """Results opened from a search, counted per reader (``readers.reader_clicks``: one client's
    repeated clicks weigh as one): anonymous ones are public, signed-in ones staff."""
    from ..analytics import ROLE_ANONYMOUS
    from .readers import reader_clicks

    for click in reader_clicks():
        yield Signal(
            query=click.query, doc=click.doc, kind=CLICK, audience=PUBLIC if click.role == ROLE_ANONYMOUS else STAFF,
            weight=WEIGHTS[CLICK] * click.weight, position=click.position,
        )


register("search.clicks", click_signals)


def long_read_signals() -> Iterable[Signal]:
    """Clicks whose page then stayed visible for the read threshold (QueryClick.read_at), counted
    per reader like the clicks (``readers.reader_clicks``), with their click's audience."""
    from ..analytics import ROLE_ANONYMOUS
    from ..models import QueryClick
    from .readers import reader_clicks

    for read in reader_clicks(QueryClick.objects.filter(read_at__isnull=False)):
        yield Signal(
            query=read.query, doc=read.doc, kind=LONG_READ, audience=PUBLIC if read.role == ROLE_ANONYMOUS else STAFF,
            weight=WEIGHTS[LONG_READ] * read.weight,
        )


register("search.long_reads", long_read_signals)


def collect(audience: str) -> list[Signal]:
    """Every signal the model of ``audience`` may learn from: public ones only for "public"."""
    out: list[Signal] = []
    for provider in list(_providers.values()):
        for signal in provider():
            if audience == PUBLIC and signal.audience != PUBLIC:
                continue
            out.append(signal)
    return out


def autodiscover() -> None:
    """Import ``<app>.search_signals`` of every installed app (where apps register providers)."""
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        try:
            import_module(f"{app.name}.search_signals")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.search_signals":
                raise


def page_doc_key(page_id: int, content_type_id: int) -> str | None:
    """Index key ("article:12") of a page, from its content type, via the registered sources."""
    from django.contrib.contenttypes.models import ContentType

    from ..sources import sources_for_model

    model = ContentType.objects.get_for_id(content_type_id).model_class()
    found = sources_for_model(model) if model is not None else []
    return f"{found[0].doc_type}:{page_id}" if found else None
