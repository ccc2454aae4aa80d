"""Follow-up work of a case action (mail, search index) happens in the task worker, after the answer."""

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cases.models import Case
from tests.helpers import DATABASE_TASKS, login, run_db_worker, shown_version


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_escalation_mail_is_queued_by_the_request_and_sent_by_the_worker(settings, dispatched_case, supervisor):
    settings.TASKS = DATABASE_TASKS
    response = login(supervisor).post(
        reverse("cases:inspect", args=[dispatched_case.pk]),
        {**shown_version(dispatched_case), "action": "escalate", "escalate-reason": "群众多次反映"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=dispatched_case.pk).escalated
    # The answer came back before any mail went out: the mail waits in the queue.
    assert mail.outbox == []
    queued = DBTaskResult.objects.ready().filter(task_path__endswith="mail_supervisors_escalation_task")
    assert queued.count() == 1

    run_db_worker()
    assert not DBTaskResult.objects.ready().exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [supervisor.email]
    assert dispatched_case.tracking_number in message.subject
    assert dispatched_case.reporter_name not in message.subject + message.body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_escalation_queues_no_mail(settings, dispatched_case, supervisor):
    settings.TASKS = DATABASE_TASKS
    response = login(supervisor).post(
        reverse("cases:inspect", args=[dispatched_case.pk]),
        {"version": 0, "action": "escalate", "escalate-reason": "群众多次反映"},
    )
    assert response.status_code == 409
    assert not Case.objects.get(pk=dispatched_case.pk).escalated
    assert not DBTaskResult.objects.filter(task_path__endswith="mail_supervisors_escalation_task").exists()
    run_db_worker()
    assert mail.outbox == []
