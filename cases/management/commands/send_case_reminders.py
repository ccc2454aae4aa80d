from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from cases.tasks import send_case_reminders_task

# Operators read this from cron mail: say in Chinese what each count is.
COUNT_LABELS = {
    "overdue": "超期",
    "due_soon": "临期",
    "materials": "容缺材料",
    "rectifications": "差评整改",
    "mails": "邮件",
}


class Command(BaseCommand):
    help = "发送案件提醒：超期、临期、容缺材料补交和差评整改（每天运行一次，例如由 cron 调用）。"

    def handle(self, *args, **options):
        result = send_case_reminders_task.enqueue()
        if result.status == TaskResultStatus.FAILED:
            # A non-zero exit is what cron reports; the class name says enough to start looking.
            error = result.errors[-1].exception_class_path if result.errors else ""
            raise CommandError(f"提醒发送失败（{error}）。请排除原因后重新运行本命令。")
        if result.is_finished:
            counts = result.return_value or {}
            summary = "，".join(f"{label} {counts.get(key, 0)}" for key, label in COUNT_LABELS.items())
            self.stdout.write(f"已发送提醒：{summary}")
        else:
            # The database task backend: a `manage.py db_worker` sends them.
            self.stdout.write(f"提醒任务已排队（{result.id}），由任务进程 db_worker 发送。")
