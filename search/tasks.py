"""Background tasks (django_tasks) that keep the search index fresh."""

from __future__ import annotations

from django_tasks import task

from . import indexing


@task()
def sync_document_task(doc_type: str, doc_id: int) -> bool:
    """(Re)index or delete one document; failures are retried, then kept in the persistent queue."""
    return indexing.sync_document(doc_type=doc_type, doc_id=doc_id)


@task()
def sync_documents_task(doc_type: str, doc_ids: list[int]) -> bool:
    """A batch of ``sync_document_task`` (bulk writes, see ``indexing.batched``): one engine
    call per ``indexing.SYNC_BATCH`` documents, one refresh."""
    return indexing.sync_batch(doc_type=doc_type, doc_ids=doc_ids)


@task()
def process_index_queue_task() -> int:
    """Replay queued index operations (e.g. after Elasticsearch comes back)."""
    done, _left = indexing.process_pending()
    return done


@task()
def train_ranking_task() -> list[str]:
    """Learned ranking (search.learning): train both audiences' models; each replaces the active
    one only if it ranks the held-out slice of the logs better. Returns the Chinese summaries."""
    from .learning import services

    return [r.message() for r in services.train_all()]
