"""Background tasks of the case desk (django_tasks)."""

from django_tasks import task

from cases import reminders


@task()
def send_case_reminders_task() -> dict:
    return reminders.send_case_reminders()
