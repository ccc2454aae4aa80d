"""Train the learned ranking (search.learning) in the task backend: run it on a schedule."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "训练搜索排序学习模型（在后台任务中运行；新模型在留出的查询上胜过现用排序才会启用）。"

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="在当前进程中直接训练，不经后台任务队列。")

    def handle(self, *args, **options):
        if options["now"]:
            from search.learning import services

            for result in services.train_all():
                self.stdout.write(result.message())
            return
        from search.tasks import train_ranking_task

        result = train_ranking_task.enqueue()
        status = str(getattr(result, "status", "")).upper()
        if status.endswith("SUCCEEDED") or status.endswith("SUCCESSFUL"):
            for line in result.return_value or []:
                self.stdout.write(line)
        elif status.endswith("FAILED"):
            self.stderr.write("训练任务失败，现用排序保持不变，详情见日志。")
        else:
            self.stdout.write("已加入后台任务队列，由任务进程（db_worker）执行。")
