"""The one interface every search engine implements.

Callers (views, API, case desk, precedents) build a ``SearchQuery`` and get a
``SearchResults`` back; they never see FTS5, PostgreSQL or Elasticsearch.
Documents come from ``search.sources`` as ``SearchDocument`` objects whose
text is *original* text: each engine runs it through ``search.analysis``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Protocol, runtime_checkable

from .. import analysis

DOC_TYPES = ("article", "guide", "policy", "case")
TYPE_LABELS = {"article": "办事指引", "guide": "新旧政策衔接指引", "policy": "政策文件", "case": "案例"}
FACET_NAMES = ("department", "topic", "tag", "district")
FACET_SIZE = 30  # values listed per facet
PUBLIC = "public"
STAFF = "staff"


@dataclass
class SearchDocument:
    doc_type: str  # "article" | "guide" | "policy" | "case"
    doc_id: int
    external_id: str = ""
    title: str = ""
    summary: str = ""
    body: str = ""  # plain text, no HTML
    url: str = ""
    department_ids: list[int] = field(default_factory=list)
    department_names: list[str] = field(default_factory=list)
    topic: str = ""  # topic slug or ""
    tags: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)  # district codes
    visibility: str = PUBLIC  # "public" | "staff"
    # For staff documents: who may see it, e.g. ["hall:3", "district:5", "dept:7"].
    restrict_keys: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.doc_type}:{self.doc_id}"


@dataclass
class SearchQuery:
    q: str = ""
    types: list[str] = field(default_factory=list)  # empty = all types
    department: str | None = None  # department id (as str)
    topic: str | None = None  # topic slug
    tag: str | None = None
    district: str | None = None  # district code
    page: int = 1
    page_size: int = 10
    include_staff: bool = False
    # None = no restriction (superuser/督办); [] = no staff-only document;
    # otherwise a staff document is visible when it shares at least one key.
    restrict_keys: list[str] | None = None
    # False when the caller lists hits only (precedents at intake): no facet counting,
    # which is most of the cost of a common query on PostgreSQL and Elasticsearch.
    facets: bool = True
    # True for a reranker (search.learning): hits carry their summary, body and date
    # instead of a snippet, which the reranker builds for the page it finally shows.
    with_text: bool = False


@dataclass
class Hit:
    doc_type: str
    doc_id: int
    external_id: str
    title: str
    url: str
    snippet: str  # safe HTML: matches in <mark>, everything else escaped
    score: float
    # Filled only for SearchQuery(with_text=True): original text for reranking features.
    summary: str = field(default="", repr=False)
    body: str = field(default="", repr=False)
    published_at: datetime | None = field(default=None, repr=False)
    # With with_text, the same three texts normalised (search.analysis.normalize) as stored at
    # index time, so a reranker does no OpenCC work per query; None when the index predates them.
    title_norm: str | None = field(default=None, repr=False)
    summary_norm: str | None = field(default=None, repr=False)
    body_norm: str | None = field(default=None, repr=False)


def normalised_texts(doc: SearchDocument) -> dict[str, str]:
    """A document's title, summary and body as ``Hit.*_norm`` carries them (both engines store these)."""
    return {
        "title": analysis.normalize(doc.title or ""),
        "summary": analysis.normalize(doc.summary or ""),
        "body": analysis.normalize(doc.body or ""),
    }


@dataclass
class SearchResults:
    count: int
    hits: list[Hit]
    # facet name ("type", "department", "topic", "tag", "district") ->
    # [{"value": str, "label": str, "count": int}, ...] sorted by count desc
    facets: dict[str, list[dict]]
    page: int
    page_size: int
    query: SearchQuery
    # Facet counts taken over the best N matches only (the embedded engine on SQLite
    # above FACET_SAMPLE matches): 0 when they count every match.
    facets_sampled: int = 0

    @property
    def num_pages(self) -> int:
        if not self.page_size:
            return 1
        return max(1, -(-self.count // self.page_size))


@runtime_checkable
class SearchEngine(Protocol):
    name: str

    def index(self, docs: Iterable[SearchDocument], *, refresh: bool = True) -> None:
        """Add or replace documents (keyed by doc_type + doc_id); searchable on return unless
        ``refresh`` is False (then at the engine's next ``refresh()``)."""

    def delete(self, doc_type: str, ids: Iterable[int], *, refresh: bool = True) -> None:
        """Remove documents; unknown ids are ignored. ``refresh`` as for ``index``."""

    def refresh(self) -> None:
        """Make every write so far searchable."""

    def search(self, query: SearchQuery) -> SearchResults:
        """Never raises on user text: bad syntax, huge or empty queries give results or nothing."""

    def rebuild(self, docs_iter: Iterable[SearchDocument]) -> int:
        """Replace the whole index with these documents (zero-downtime where possible); returns the count."""

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Titles starting with / containing the prefix, for autocomplete."""

    def clear(self) -> None:
        """Drop every document."""

    def health(self) -> bool:
        """True when the engine can serve queries."""


class EngineUnavailable(Exception):
    """The engine's backing service cannot be reached (e.g. Elasticsearch is down)."""


def facet_lists(rows: Iterable[tuple[str, str, str, int]]) -> dict[str, list[dict]]:
    """(name, value, label, count) rows → ``SearchResults.facets``, the same shape and order on every engine.

    Types carry their Chinese label and come by count, then value; the other
    facets by count, then label, at most FACET_SIZE values each.
    """
    facets: dict[str, list[dict]] = {name: [] for name in ("type",) + FACET_NAMES}
    for name, value, label, count in rows:
        if name not in facets:
            continue
        if name == "type":
            label = TYPE_LABELS.get(value, value)
        facets[name].append({"value": value, "label": label or value, "count": int(count)})
    facets["type"].sort(key=lambda d: (-d["count"], d["value"]))
    for name in FACET_NAMES:
        facets[name] = sorted(facets[name], key=lambda d: (-d["count"], d["label"]))[:FACET_SIZE]
    return facets
