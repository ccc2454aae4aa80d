"""Put tasks back in the queue that a task worker had claimed when it died.

django-tasks-db marks a task RUNNING when a worker claims it and leaves it so if
that worker is killed (SIGKILL, a lost machine): nothing would ever run it. Run this
as a worker starts, with that worker's id (deploy/systemd/bancheng-worker.service):
none of its own tasks can still be running then. ``--older-than`` catches workers
that never come back. Every Bancheng task is idempotent (an index sync reads the
database again), so running an interrupted task once more cannot apply it twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


class Command(BaseCommand):
    help = "把已中断的后台任务（执行它的任务进程已退出）放回队列，重新执行。"

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", action="append", default=[], help="刚启动的任务进程的编号（可重复）")
        parser.add_argument("--older-than", type=int, help="运行超过这么多秒的任务视为已中断")

    def handle(self, *args, worker_id, older_than, **options):
        if not worker_id and older_than is None:
            raise CommandError("请指定 --worker-id 或 --older-than。")
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        cutoff = timezone.now() - timedelta(seconds=older_than) if older_than is not None else None
        requeued = 0
        for task in running.only("pk", "worker_ids", "started_at"):
            interrupted = bool(task.worker_ids) and task.worker_ids[-1] in worker_id
            if cutoff is not None and task.started_at and task.started_at < cutoff:
                interrupted = True
            if not interrupted:
                continue
            with transaction.atomic():
                # Only if it is still RUNNING: a worker may have finished it meanwhile.
                requeued += DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.READY, started_at=None
                )
        self.stdout.write(f"已放回队列的中断任务：{requeued} 个。")
