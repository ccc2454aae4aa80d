from django.core.management.base import BaseCommand

from cases.tasks import send_case_reminders_task


class Command(BaseCommand):
    help = "Mail reminders for overdue / due-soon cases, 容缺 materials and 差评整改 (run daily, e.g. from cron)."

    def handle(self, *args, **options):
        result = send_case_reminders_task.enqueue()
        if result.status == "SUCCESSFUL" or getattr(result.status, "value", "") == "SUCCESSFUL":
            self.stdout.write(f"sent: {result.return_value}")
        else:
            self.stdout.write(f"queued: {result.id}")
