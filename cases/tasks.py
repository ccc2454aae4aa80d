"""Background tasks of the case desk (django_tasks)."""

from django_tasks import task

from cases import reminders


@task()
def send_case_reminders_task() -> dict:
    return reminders.send_case_reminders()


@task()
def deliver_webhook_task(delivery_id: int) -> None:
    """One webhook attempt; on failure it re-enqueues itself with a delay (cases.open311.webhooks)."""
    from cases.open311 import webhooks

    webhooks.attempt(delivery_id)


@task()
def mail_supervisors_escalation_task(case_pk: int) -> None:
    """The 提级督办 mail to the 督办 group, sent after the escalation is committed."""
    from cases import services

    services.mail_supervisors_escalation(case_pk=case_pk)
