"""Index freshness: content changes enqueue an index task after the transaction commits."""

from __future__ import annotations

import contextlib
import logging
import threading

from django.db.models.signals import post_delete, post_save

from kernel.batching import collected

from . import analysis, indexing, sources

logger = logging.getLogger(__name__)

_connected = False



_publishing = threading.local()


def _sync_page_and_descendants(page) -> None:
    # A page's own document, plus documents below it whose URL or topic depends on it.
    from wagtail.models import Page

    pages = [page] + list(Page.objects.descendant_of(page).specific(defer=True))
    _enqueue_pages(pages)


def _enqueue_pages(pages) -> None:
    for p in pages:
        for source in sources.sources_for_model(type(p.specific_deferred)):
            indexing.enqueue_sync(source.doc_type, p.pk)


def on_page_published(sender, instance, **kwargs):
    pending = getattr(_publishing, "pages", None)
    if pending is not None:
        pending.append(instance)
        return
    _sync_page_and_descendants(instance)


@contextlib.contextmanager
def page_syncs_batched():
    """Pages published in the block (a bulk import): the pages below all of them are read in
    one query at its end, instead of one query per page. Open it inside ``indexing.batched``
    (the syncs it enqueues join that batch)."""
    from django.db.models import Q
    from wagtail.models import Page

    with collected(_publishing, "pages") as pages:
        yield
    if not pages:
        return
    below = Q()
    for page in pages:
        below |= Q(path__startswith=page.path, depth__gt=page.depth)
    descendants: dict[str, list] = {}
    for p in Page.objects.filter(below).order_by("path").specific(defer=True):
        for page in pages:
            if p.path.startswith(page.path) and p.depth > page.depth:
                descendants.setdefault(page.path, []).append(p)
    for page in pages:
        _enqueue_pages([page] + descendants.get(page.path, []))


def on_page_unpublished(sender, instance, **kwargs):
    _sync_page_and_descendants(instance)


def on_page_moved(sender, instance, **kwargs):
    _sync_page_and_descendants(instance)


def _is_page(instance) -> bool:
    from wagtail.models import Page

    return isinstance(instance, Page)


def on_model_saved(sender, instance, raw=False, **kwargs):
    if raw or _is_page(instance):
        return  # pages are handled by Wagtail's publish/unpublish/move signals
    if sources.sources_for_model(sender):
        indexing.enqueue_for_object(instance)


def on_model_deleted(sender, instance, **kwargs):
    if _is_page(instance):
        from wagtail.models import Page

        # Only once per page (the Page row), whichever subclass rows are deleted with it.
        if sender is not Page:
            return
        for source in sources.all_sources():
            if any(issubclass(m, Page) for m in source.models):
                indexing.enqueue_sync(source.doc_type, instance.pk)
        return
    if sources.sources_for_model(sender):
        indexing.enqueue_for_object(instance)


def on_vocabulary_changed(sender, instance, **kwargs):
    analysis.invalidate_vocabulary()


def connect() -> None:
    global _connected
    if _connected:
        return
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from .models import SearchSynonym, SearchTerm

    page_published.connect(on_page_published, dispatch_uid="search_page_published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid="search_page_unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid="search_page_moved")
    post_save.connect(on_model_saved, dispatch_uid="search_model_saved")
    post_delete.connect(on_model_deleted, dispatch_uid="search_model_deleted")
    for model in (SearchTerm, SearchSynonym):
        post_save.connect(on_vocabulary_changed, sender=model, dispatch_uid=f"search_vocab_save_{model.__name__}")
        post_delete.connect(on_vocabulary_changed, sender=model, dispatch_uid=f"search_vocab_del_{model.__name__}")
    _connected = True
