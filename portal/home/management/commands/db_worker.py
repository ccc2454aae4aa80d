"""``manage.py db_worker``: django-tasks-db's worker, which also outlives the database going away.

django-tasks-db's worker re-raises any database error other than "database is locked", so
a PostgreSQL restart (or failover) ended the process: the task it held stayed RUNNING and
the queue waited for someone to restart the worker. This worker instead

- waits for the database (0.5 s, then up to every 5 s) and goes on polling once it answers;
- then first puts back in the queue the task it held when the connection was lost (its
  outcome could not be written), as `requeue_interrupted_tasks` does for a killed worker;
- retries a task that failed with a database error (a lost connection, a deadlock) a few
  times before leaving it FAILED.

Running a task again is safe: every Bancheng task is idempotent (portal.home.task_queue).
Same name and options as the library's command: the systemd unit and the load drills start
it unchanged.
"""

from __future__ import annotations

import logging
import os
import time

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from portal.home.task_queue import requeue_interrupted

logger = logging.getLogger("django_tasks_db")

DATABASE_AWAY = (OperationalError, InterfaceError)
_DATABASE_ERROR_PATHS = {f"{cls.__module__}.{cls.__qualname__}" for cls in DATABASE_AWAY}
# Attempts (claims) of one task before a database error is taken as its real outcome.
MAX_ATTEMPTS = 5
# Waits between attempts to reach the database: quick at first, then every few seconds.
BACKOFF_SECONDS = (0.5, 1, 2, 4, 5)


def _close_connections() -> None:
    """Drop the dead connection so the next query opens a new one."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DATABASE_AWAY:
            conn.connection = None


class Worker(db_worker.Worker):
    def run(self) -> None:
        failures = 0
        recovering = False
        while self.running:
            started = time.monotonic()
            try:
                if recovering:
                    self._recover()
                    recovering = False
                return super().run()
            except DATABASE_AWAY as exc:
                if time.monotonic() - started > 60:  # it worked for a while: a new outage
                    failures = 0
                delay = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                logger.warning("Database unavailable (%s); worker_id=%s retries in %s s",
                               message, self.worker_id, delay)
                _close_connections()
                time.sleep(delay)
                failures += 1
                recovering = True
                self.startup_delay = False

    def _recover(self) -> None:
        """The database answers again: put back what this worker held when it went away."""
        requeued = requeue_interrupted(worker_ids=[self.worker_id])
        logger.warning("Database available again; worker_id=%s put %d interrupted task(s) back in the queue",
                       self.worker_id, requeued)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        # A database error while writing the outcome propagates to run(): the task is still
        # RUNNING under this worker's id and is put back once the database answers.
        super().run_task(db_task_result)
        if (
            db_task_result.status == TaskResultStatus.FAILED
            and db_task_result.exception_class_path in _DATABASE_ERROR_PATHS
            and len(db_task_result.worker_ids) < MAX_ATTEMPTS
        ):
            logger.warning("Task id=%s failed with a database error; it will run again", db_task_result.id)
            DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.FAILED).update(
                status=TaskResultStatus.READY, started_at=None, finished_at=None
            )


class Command(db_worker.Command):
    help = "运行后台任务进程（数据库队列）；数据库重启后自动重连并继续处理队列。"

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload,
               max_tasks, worker_id, exclude_queues, **options) -> None:
        # As the library's handle(), with this module's Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("Warning: --reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the reloaded child
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
