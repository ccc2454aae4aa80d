"""Registry of document sources: what goes into the search index and how.

A *source* turns model instances into ``SearchDocument`` objects. Every engine,
the rebuild command and the freshness signal handlers go through this registry,
so adding a kind of document means writing one source and registering it.

A source has:

- ``doc_type``: "article" | "guide" | "policy" | "case" (unique in the registry)
- ``models``: the model classes it follows; saves/deletes of these (and Wagtail
  publish/unpublish/move for pages) re-index the affected document
- ``iter_documents()``: every document that should be in the index (for rebuild)
- ``document_for(obj)``: the document for one instance, or ``None`` when it must
  not be indexed (an unpublished page, a draft policy …) — ``None`` deletes it
- optionally ``doc_id_for(obj)``: the doc id for an instance (default ``obj.pk``)
- optionally ``related_objects(obj)``: for an instance of a followed model that
  is not the document itself (e.g. a child row), the document instances to refresh
- optionally ``staff_only = True``: none of its documents is ever public, so
  writing or deleting them never changes what an anonymous reader is shown (the
  public page cache is left alone)

Hook for the case desk (issue 4): ``cases/search_source.py`` defines a source
with ``doc_type = "case"`` whose documents have ``visibility="staff"`` and
``restrict_keys`` such as ``["hall:3", "district:5", "dept:7"]`` (the keys a
user's role grants; the API/view builds ``SearchQuery.restrict_keys`` from the
signed-in user with the same scheme), and registers it in its AppConfig.ready()::

    from search.sources import register
    from .search_source import CaseSource
    register(CaseSource())

``search.sources.autodiscover()`` (called from SearchConfig.ready) also imports
``<app>.search_source`` for every installed app, so the module only needs to
call ``register(...)`` at import time.
"""

from __future__ import annotations

import html
import logging
import re
from importlib import import_module
from typing import Iterable, Iterator, Protocol

from django.apps import apps
from django.utils.html import strip_tags

from .engines.base import PUBLIC, SearchDocument

logger = logging.getLogger(__name__)


class DocumentSource(Protocol):
    doc_type: str
    models: tuple

    def iter_documents(self) -> Iterable[SearchDocument]: ...

    def document_for(self, obj) -> SearchDocument | None: ...


_registry: dict[str, DocumentSource] = {}


def register(source: DocumentSource) -> DocumentSource:
    """Register (or replace) the source for ``source.doc_type``."""
    _registry[source.doc_type] = source
    return source


def unregister(doc_type: str) -> None:
    _registry.pop(doc_type, None)


def get_source(doc_type: str) -> DocumentSource | None:
    return _registry.get(doc_type)


def all_sources() -> list[DocumentSource]:
    return list(_registry.values())


def sources_for_model(model) -> list[DocumentSource]:
    """Sources following ``model`` (or one of its parents: a specific page is also a Page)."""
    found = []
    for source in _registry.values():
        for m in source.models:
            if issubclass(model, m):
                found.append(source)
                break
    return found


def iter_all_documents() -> Iterator[SearchDocument]:
    for source in all_sources():
        yield from source.iter_documents()


def doc_id_for(source, obj) -> int:
    fn = getattr(source, "doc_id_for", None)
    return fn(obj) if fn else obj.pk


def autodiscover() -> None:
    """Import ``<app>.search_source`` of every installed app (the registration hook)."""
    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.search_source")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.search_source":
                raise


# --- text helpers -----------------------------------------------------------

_ws = re.compile(r"\s+")


def html_to_text(value) -> str:
    """Plain text from rich text / stream field HTML (tags out, entities decoded)."""
    if value is None:
        return ""
    text = str(value)
    # Block boundaries become spaces so that words of two paragraphs do not fuse.
    text = re.sub(r"<(br|/p|/li|/h\d|/div|/td|/tr)[^>]*>", " ", text, flags=re.I)
    text = html.unescape(strip_tags(text))
    return _ws.sub(" ", text).strip()


def stream_text(stream) -> str:
    """Plain text of a StreamField value (every block's searchable content)."""
    if not stream:
        return ""
    parts = []
    try:
        block = stream.stream_block
        parts = block.get_searchable_content(stream)
    except Exception:  # a block without searchable content must not break indexing
        logger.exception("could not extract stream text")
        try:
            parts = [str(stream)]
        except Exception:
            parts = []
    return _ws.sub(" ", " ".join(html_to_text(p) for p in parts)).strip()


def join_text(*parts) -> str:
    return "\n".join(p for p in (str(x).strip() for x in parts if x) if p)


# --- knowledge sources -------------------------------------------------------


class _PageSource:
    """Live pages of one specific type; everything public."""

    doc_type = ""
    page_model_name = ""

    @property
    def page_model(self):
        return apps.get_model("knowledge", self.page_model_name)

    @property
    def models(self):
        # Deleting the Page row is handled generically by the signal handlers.
        return (self.page_model,)

    def doc_id_for(self, obj) -> int:
        return obj.pk

    def _queryset(self):
        return self.page_model.objects.live().public().specific()

    prefetch = ("departments", "districts", "tags")

    def iter_documents(self) -> Iterator[SearchDocument]:
        qs = self._queryset().select_related().prefetch_related(*self.prefetch)
        for page in qs.iterator(chunk_size=200):
            doc = self._build(page)
            if doc is not None:
                yield doc

    def document_for(self, obj) -> SearchDocument | None:
        from wagtail.models import Page

        if isinstance(obj, Page) and not isinstance(obj, self.page_model):
            obj = obj.specific
        if not isinstance(obj, self.page_model):
            return None
        # Re-read the live state: the in-memory object may hold an unsaved draft.
        page = self._queryset().filter(pk=obj.pk).first()
        if page is None:
            return None
        return self._build(page)

    def documents_for_ids(self, doc_ids) -> dict[int, SearchDocument]:
        """``document_for`` of many pages in a few queries (bulk index writes); missing ids must go."""
        from wagtail.models import Page

        pages = list(
            self._queryset().filter(pk__in=list(doc_ids)).select_related()
            .prefetch_related(*self.prefetch)
        )
        # Parents in one query; treebeard's get_parent() reads this cache.
        steplen = Page.steplen
        parents = {p.path: p for p in Page.objects.filter(path__in={pg.path[:-steplen] for pg in pages})}
        docs = {}
        for page in pages:
            parent = parents.get(page.path[:-steplen])
            if parent is not None:
                page._cached_parent_obj = parent
            doc = self._build(page)
            if doc is not None:
                docs[page.pk] = doc
        return docs

    def documents_for_pages(self, pages) -> dict[int, SearchDocument]:
        """``documents_for_ids`` of live pages the caller holds just as it saved them (parent
        and relations loaded on them), without reading them back. While any view restriction
        exists it returns nothing: whether a page is public is then for ``documents_for_ids``."""
        from wagtail.models import PageViewRestriction

        if PageViewRestriction.objects.exists():
            return {}
        docs = {}
        for page in pages:
            if type(page) is self.page_model and page.live:
                doc = self._build(page)
                if doc is not None:
                    docs[page.pk] = doc
        return docs

    def _topic(self, page) -> str:
        parent = page.get_parent()
        if parent is not None and parent.specific_class.__name__ == "TopicIndexPage":
            return parent.slug
        return ""

    def _common(self, page, **kw) -> SearchDocument:
        departments = list(page.departments.all())
        return SearchDocument(
            doc_type=self.doc_type,
            doc_id=page.pk,
            title=page.title,
            url=page.get_url() or page.url_path,
            department_ids=[d.pk for d in departments],
            department_names=[d.name for d in departments],
            topic=self._topic(page),
            tags=sorted(t.name for t in page.tags.all()),
            districts=[d.code for d in page.districts.all()],
            visibility=PUBLIC,
            published_at=page.last_published_at or page.first_published_at,
            **kw,
        )


class ArticleSource(_PageSource):
    doc_type = "article"
    page_model_name = "SolutionArticlePage"
    prefetch = _PageSource.prefetch + ("materials",)

    def _build(self, page) -> SearchDocument:
        materials = " ".join(
            join_text(m.name, m.note, "容缺受理" if m.can_supply_later else "") for m in page.materials.all()
        )
        body = join_text(page.problem, page.applies_to, stream_text(page.steps), materials)
        return self._common(
            page,
            external_id=page.external_id or "",
            summary=page.summary or "",
            body=body,
            extra={"source_case_count": page.source_case_count},
        )


class GuideSource(_PageSource):
    doc_type = "guide"
    page_model_name = "PolicyTransitionGuidePage"

    def _build(self, page) -> SearchDocument:
        body = join_text(
            html_to_text(page.what_changed),
            html_to_text(page.transition_arrangements),
            page.affected,
            html_to_text(page.gap_guidance),
            stream_text(page.faq),
            page.old_policy.title if page.old_policy_id else "",
            page.new_policy.title if page.new_policy_id else "",
        )
        return self._common(
            page,
            summary=page.summary or "",
            body=body,
            extra={"effective_date": page.effective_date.isoformat() if page.effective_date else None},
        )


class PolicySource:
    """Policy snippets: public, all statuses (the status is shown, superseded ones stay findable)."""

    doc_type = "policy"

    @property
    def models(self):
        return (apps.get_model("knowledge", "Policy"),)

    def iter_documents(self) -> Iterator[SearchDocument]:
        Policy = apps.get_model("knowledge", "Policy")
        for policy in Policy.objects.prefetch_related("service_items").iterator(chunk_size=200):
            yield self._build(policy)

    def document_for(self, obj) -> SearchDocument | None:
        Policy = apps.get_model("knowledge", "Policy")
        policy = Policy.objects.filter(pk=obj.pk).first()
        return self._build(policy) if policy else None

    def _url(self, policy) -> str:
        from django.urls import reverse

        return reverse("knowledge:policy_detail", args=[policy.pk])

    def _build(self, policy) -> SearchDocument:
        items = " ".join(s.name for s in policy.service_items.all())
        title = policy.title
        return SearchDocument(
            doc_type=self.doc_type,
            doc_id=policy.pk,
            external_id=policy.document_number or "",
            title=title,
            summary=join_text(policy.issuing_body, policy.document_number),
            body=join_text(policy.summary, items),
            url=self._url(policy),
            visibility=PUBLIC,
            extra={"status": policy.status},
        )


def register_default_sources() -> None:
    register(ArticleSource())
    register(GuideSource())
    register(PolicySource())
