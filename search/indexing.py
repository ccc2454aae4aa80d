"""Keeping the index in step with the database (the source of truth).

``sync_document`` recomputes one document from the database and writes it to
the engine (or deletes it when the source says it must not be indexed), so
every trigger — publish, unpublish, move, delete, a case change, a retry —
runs the same idempotent operation. When the engine cannot be reached the
operation is stored in ``PendingIndexOperation`` and replayed later by
``process_pending`` (after the next successful index call, by
``manage.py process_index_queue`` and by ``rebuild_search_index``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from django.db import transaction

from kernel.batching import collected
from kernel.content_version import bump_staff_index_version

from . import sources
from .engines import get_engine
from .engines.base import PUBLIC
from .signals import public_results_changed

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 1.0)  # in-task retries before the operation goes to the persistent queue
PENDING_BATCH = 200


def _engine_name(engine) -> str:
    return getattr(engine, "name", "embedded")


def document_for_id(source, doc_id: int):
    fn = getattr(source, "document_for_id", None)
    if fn is not None:
        return fn(doc_id)
    model = source.models[0]
    obj = model._default_manager.filter(pk=doc_id).first()
    if obj is None:
        return None
    return source.document_for(obj)


def _apply(engine, doc_type: str, doc_ids: list[int], documents: dict | None = None) -> None:
    """Write the current documents of ``doc_ids`` (one engine call), delete those that must go.

    ``documents``: those of ``doc_ids`` the caller built from what it has just saved; the
    others are read from the database.
    """
    source = sources.get_source(doc_type)
    documents = documents or {}
    docs, gone = [documents[i] for i in doc_ids if i in documents], []
    doc_ids_read = [i for i in doc_ids if i not in documents]
    bulk = getattr(source, "documents_for_ids", None) if len(doc_ids_read) > 1 else None
    found = bulk(doc_ids_read) if bulk is not None else None
    for doc_id in doc_ids_read:
        if found is not None:
            doc = found.get(doc_id)
        else:
            doc = document_for_id(source, doc_id) if source is not None else None
        if doc is None:
            gone.append(doc_id)
        else:
            docs.append(doc)
    writes = getattr(_refresh, "writes", None)  # inside refresh_deferred: its end refreshes
    if docs:
        engine.index(docs, refresh=writes is None)
    if gone:
        engine.delete(doc_type, gone, refresh=writes is None)
    # A staff-only source's deletions (a new case, not in the library yet, is "gone")
    # change nothing public: every report filed must not flush the public page cache.
    may_be_public = not getattr(source, "staff_only", False)
    public = bool(may_be_public and (gone or any((doc.visibility or PUBLIC) == PUBLIC for doc in docs)))
    staff = bool(docs) and not may_be_public
    if writes is not None and (docs or gone):
        writes.append((engine, public, staff))
    if public:
        public_results_changed.send(sender=_apply, doc_type=doc_type, doc_ids=doc_ids)
    if staff and writes is None:
        bump_staff_index_version()


_refresh = threading.local()


@contextlib.contextmanager
def refresh_deferred():
    """Make the index writes of the block searchable once, at its end (a bulk import).

    Every write otherwise asks the engine to make it searchable before it returns (on
    Elasticsearch a refresh per bulk write), which a live publish needs and an import of
    many batches needs once, when it is done. The public page cache is invalidated again
    after that refresh: a page cached in between shows the results from before it. Nested
    blocks leave the refresh to the outermost; a failed refresh is logged (the engine's
    periodic refresh shows the writes a moment later).
    """
    writes: list = []
    try:
        with collected(_refresh, "writes") as writes:
            yield
    finally:
        # id(engine) -> [engine, whether a public result changed, whether a staff document was written]
        engines: dict[int, list] = {}
        for engine, public, staff in writes:
            entry = engines.setdefault(id(engine), [engine, False, False])
            entry[1] |= public
            entry[2] |= staff
        for engine, public, staff in engines.values():
            try:
                engine.refresh()
            except Exception as exc:
                logger.warning("search index refresh after a bulk write failed on %s (%s)",
                               _engine_name(engine), type(exc).__name__)
            if public:
                public_results_changed.send(sender=refresh_deferred, doc_type="", doc_ids=[])
            if staff:
                bump_staff_index_version()


def record_pending(*, engine_name: str, doc_type: str, doc_ids: list[int], action: str, error: str) -> None:
    from .models import PendingIndexOperation

    for doc_id in doc_ids:
        op, created = PendingIndexOperation.objects.get_or_create(
            engine=engine_name, doc_type=doc_type, doc_id=doc_id, defaults={"action": action}
        )
        op.action = action
        op.attempts += 1
        op.last_error = error[:300]
        op.save(update_fields=["action", "attempts", "last_error", "updated_at"])


def sync_document(*, doc_type: str, doc_id: int, engine=None, retries=RETRY_DELAYS, drain: bool = True) -> bool:
    """(Re)index or delete one document. Never raises for an unreachable engine: queues instead.

    Returns True when the engine has been updated.
    """
    return sync_documents(doc_type=doc_type, doc_ids=[doc_id], engine=engine, retries=retries, drain=drain)


def sync_documents(*, doc_type: str, doc_ids: list[int], engine=None, retries=RETRY_DELAYS, drain: bool = True,
                   documents: dict | None = None) -> bool:
    """``sync_document`` for many documents of one type in one engine call (bulk writes);
    ``documents`` as for ``_apply``."""
    engine = engine or get_engine()
    doc_ids = [int(i) for i in doc_ids]
    attempts = (0.0,) + tuple(retries)
    last_exc = None
    for delay in attempts:
        if delay:
            time.sleep(delay)
        try:
            _apply(engine, doc_type, doc_ids, documents)
        except Exception as exc:  # engine down, timeout, bad response: retry, then queue
            last_exc = exc
            continue
        _clear_pending(_engine_name(engine), doc_type, doc_ids)
        if drain:
            process_pending(engine=engine)
        return True
    logger.warning(
        "search index update queued: %s × %s on %s (%s)",
        doc_type,
        len(doc_ids),
        _engine_name(engine),
        type(last_exc).__name__,
    )
    record_pending(
        engine_name=_engine_name(engine),
        doc_type=doc_type,
        doc_ids=doc_ids,
        action="index",
        error=f"{type(last_exc).__name__}: {last_exc}",
    )
    return False


def _clear_pending(engine_name: str, doc_type: str, doc_ids: list[int]) -> None:
    from .models import PendingIndexOperation

    PendingIndexOperation.objects.filter(engine=engine_name, doc_type=doc_type, doc_id__in=doc_ids).delete()


def process_pending(*, engine=None, limit: int | None = None) -> tuple[int, int]:
    """Replay queued operations for ``engine``; stops at the first failure. Returns (done, left)."""
    from .models import PendingIndexOperation

    engine = engine or get_engine()
    name = _engine_name(engine)
    qs = PendingIndexOperation.objects.filter(engine=name).order_by("created_at", "pk")
    done = 0
    for op in list(qs[: limit or PENDING_BATCH]):
        try:
            _apply(engine, op.doc_type, [op.doc_id])
        except Exception as exc:
            op.attempts += 1
            op.last_error = f"{type(exc).__name__}: {exc}"[:300]
            op.save(update_fields=["attempts", "last_error", "updated_at"])
            break
        op.delete()
        done += 1
    return done, PendingIndexOperation.objects.filter(engine=name).count()


# Documents per engine call when a batch is written (``sync_batch``).
SYNC_BATCH = 500
_batch = threading.local()


@contextlib.contextmanager
def batched(*, enqueue: bool = True, collect: dict | None = None):
    """Collect the index syncs of a bulk write; at the end enqueue each document once.

    A ledger row is registered, triaged and closed in one go: three syncs of the same
    case, one task each, were two thirds of an import's time. Inside this block they
    become one entry, written with the rest of the batch by one task (``sync_batch``: one
    engine call per ``SYNC_BATCH`` documents, one refresh). ``enqueue=False`` drops them
    instead, for a caller that rebuilds the index afterwards; ``collect`` (a dict) receives
    them instead of the task queue, for a caller that writes them itself (``sync_collected``)
    and reports what could not be written. Nested blocks leave the decision to the outermost.

    Open it inside the transaction whose writes it collects: an exception enqueues
    nothing, which is right only because that transaction rolls back with it.
    """
    if getattr(_batch, "keys", None) is not None:
        yield
        return
    _batch.keys = {}
    try:
        yield
        keys = list(_batch.keys)
    finally:
        _batch.keys = None
    if not enqueue:
        return
    if collect is not None:
        collect.update(dict.fromkeys(keys))
        return
    by_type: dict[str, list[int]] = {}
    for doc_type, doc_id in keys:
        by_type.setdefault(doc_type, []).append(doc_id)
    for doc_type, doc_ids in by_type.items():
        _enqueue_after_commit(doc_type, doc_ids)  # one task: written per SYNC_BATCH, refreshed once


def sync_batch(*, doc_type: str, doc_ids: list[int]) -> bool:
    """``sync_documents`` of a bulk write's documents: one engine call per ``SYNC_BATCH``
    documents, all made searchable by one refresh at the end (a ledger import of 5,000 rows
    refreshed the index once per batch, twice where cases left and joined the library).
    Returns True when every batch was written; the others are in the persistent queue."""
    written = True
    with refresh_deferred():
        for start in range(0, len(doc_ids), SYNC_BATCH):
            written &= sync_documents(doc_type=doc_type, doc_ids=doc_ids[start : start + SYNC_BATCH])
    return written


def sync_collected(keys, *, retries=RETRY_DELAYS, documents: dict | None = None) -> set[tuple[str, int]]:
    """Write the documents ``batched(collect=…)`` gathered, now, in bulk (``sync_documents``);
    ``documents`` ({doc_type: {doc_id: SearchDocument}}) those the caller built itself.

    Returns the (doc_type, doc_id) pairs whose write failed: they are in the persistent queue
    (``PendingIndexOperation``) for ``process_index_queue`` to replay.
    """
    by_type: dict[str, list[int]] = {}
    for doc_type, doc_id in keys:
        by_type.setdefault(doc_type, []).append(doc_id)
    failed: set[tuple[str, int]] = set()
    for doc_type, doc_ids in by_type.items():
        for start in range(0, len(doc_ids), SYNC_BATCH):
            chunk = doc_ids[start : start + SYNC_BATCH]
            if not sync_documents(doc_type=doc_type, doc_ids=chunk, retries=retries,
                                  documents=(documents or {}).get(doc_type)):
                failed.update((doc_type, doc_id) for doc_id in chunk)
    return failed


def paused():
    """Index nothing in the block; the caller rebuilds the index afterwards."""
    return batched(enqueue=False)


def enqueue_sync(doc_type: str, doc_id: int) -> None:
    """Schedule ``sync_document`` after the current transaction commits (a background task)."""
    keys = getattr(_batch, "keys", None)
    if keys is not None:
        keys[(doc_type, int(doc_id))] = None
        return
    _enqueue_after_commit(doc_type, [int(doc_id)])


def _enqueue_after_commit(doc_type: str, doc_ids: list[int]) -> None:
    def _run():
        from .tasks import sync_document_task, sync_documents_task

        try:
            if len(doc_ids) == 1:
                sync_document_task.enqueue(doc_type, doc_ids[0])
            else:
                sync_documents_task.enqueue(doc_type, doc_ids)
        except Exception as exc:  # the task queue itself failed: keep the change for later
            logger.warning("search task enqueue failed for %s × %s (%s)", doc_type, len(doc_ids), type(exc).__name__)
            try:
                record_pending(
                    engine_name=_engine_name(get_engine()),
                    doc_type=doc_type,
                    doc_ids=doc_ids,
                    action="index",
                    error=f"enqueue: {type(exc).__name__}",
                )
            except Exception:
                logger.exception("could not record pending index operation")

    transaction.on_commit(_run)


def enqueue_for_object(obj) -> None:
    """Enqueue a sync for every registered source that follows ``obj``'s model."""
    for source in sources.sources_for_model(type(obj)):
        related = getattr(source, "related_objects", None)
        if related is not None and not _is_document_model(source, obj):
            for other in related(obj) or []:
                enqueue_sync(source.doc_type, sources.doc_id_for(source, other))
            continue
        enqueue_sync(source.doc_type, sources.doc_id_for(source, obj))


def _is_document_model(source, obj) -> bool:
    return isinstance(obj, source.models[0]) or len(source.models) == 1 or _is_page(obj)


def _is_page(obj) -> bool:
    from wagtail.models import Page

    return isinstance(obj, Page)


def rebuild(*, engine=None, progress=None) -> dict[str, int]:
    """Rebuild the whole index from the database; clears the engine's pending queue.

    ``progress`` (a ``kernel.progress.Progress``) advances once per document written.
    """
    from .models import PendingIndexOperation

    engine = engine or get_engine()
    counts: dict[str, int] = {}

    def docs():
        for source in sources.all_sources():
            n = 0
            for doc in source.iter_documents():
                n += 1
                if progress is not None:
                    progress.advance()
                yield doc
            counts[source.doc_type] = n

    engine.rebuild(docs())
    bump_staff_index_version()
    PendingIndexOperation.objects.filter(engine=_engine_name(engine)).delete()
    return counts
