"""A task whose worker was killed mid-run is put back in the queue and runs once more.

The real kill (SIGKILL of a running `db_worker` under load) is the fault drill
`worker-killed` (`python -m portal.loadtest drills`); here the claimed-then-orphaned
row it leaves behind is made the way the worker makes it.
"""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from search.engines import get_engine
from search.engines.base import SearchQuery
from search.tasks import sync_document_task
from tests.helpers import DATABASE_TASKS, run_db_worker
from tests.search.experience_helpers import make_article, make_topic

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _orphaned(worker_id: str) -> DBTaskResult:
    """Enqueue an index update and claim it for a worker that then dies."""
    topic = make_topic()
    article = make_article(topic, "个体工商户简易注销办理指引", problem="前任租户未注销")
    DBTaskResult.objects.all().delete()
    sync_document_task.enqueue("article", article.pk)
    row = DBTaskResult.objects.get()
    row.claim(worker_id)
    return row


def test_a_task_of_a_restarted_worker_runs_again(settings):
    settings.TASKS = DATABASE_TASKS
    row = _orphaned("worker-a")

    run_db_worker()  # a RUNNING task is never picked up again on its own
    row.refresh_from_db()
    assert row.status == "RUNNING"
    assert get_engine().search(SearchQuery(q="简易注销")).hits == []

    call_command("requeue_interrupted_tasks", "--worker-id", "worker-a")
    run_db_worker()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert [h.doc_type for h in get_engine().search(SearchQuery(q="简易注销")).hits] == ["article"]
    assert DBTaskResult.objects.count() == 1  # run again, not queued twice


def test_another_workers_running_task_is_left_alone(settings):
    settings.TASKS = DATABASE_TASKS
    row = _orphaned("worker-a")
    call_command("requeue_interrupted_tasks", "--worker-id", "worker-b")
    row.refresh_from_db()
    assert row.status == "RUNNING"
    call_command("requeue_interrupted_tasks", "--older-than", "0")
    row.refresh_from_db()
    assert row.status == "READY"
