"""Put tasks back in the queue that a task worker had claimed when it died.

Run this as a worker starts, with that worker's id (deploy/systemd/bancheng-worker.service):
none of its own tasks can still be running then. ``--older-than`` catches workers that
never come back. See portal.home.task_queue.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.home.task_queue import requeue_interrupted


class Command(BaseCommand):
    help = "把已中断的后台任务（执行它的任务进程已退出）放回队列，重新执行。"

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", action="append", default=[], help="刚启动的任务进程的编号（可重复）")
        parser.add_argument("--older-than", type=int, help="运行超过这么多秒的任务视为已中断")

    def handle(self, *args, worker_id, older_than, **options):
        if not worker_id and older_than is None:
            raise CommandError("请指定 --worker-id 或 --older-than。")
        requeued = requeue_interrupted(worker_ids=worker_id, older_than=older_than)
        self.stdout.write(f"已放回队列的中断任务：{requeued} 个。")
