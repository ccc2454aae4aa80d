"""The database task queue (django-tasks-db): putting back tasks a worker no longer runs.

django-tasks-db marks a task RUNNING when a worker claims it and leaves it so if that
worker dies (SIGKILL, a lost machine) or loses the database before it could write the
outcome: nothing would ever run it again. Every Bancheng task is idempotent (an index
sync reads the database again), so running an interrupted task once more cannot apply it
twice.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def requeue_interrupted(*, worker_ids: Collection[str] = (), older_than: int | None = None) -> int:
    """READY again: the RUNNING tasks last claimed by one of ``worker_ids`` (none of which can
    be running a task now), and those started more than ``older_than`` seconds ago."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    cutoff = timezone.now() - timedelta(seconds=older_than) if older_than is not None else None
    requeued = 0
    for task in running.only("pk", "worker_ids", "started_at"):
        interrupted = bool(task.worker_ids) and task.worker_ids[-1] in worker_ids
        if cutoff is not None and task.started_at and task.started_at < cutoff:
            interrupted = True
        if not interrupted:
            continue
        with transaction.atomic():
            # Only if it is still RUNNING: a worker may have finished it meanwhile.
            requeued += DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
    return requeued
