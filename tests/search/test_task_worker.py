"""Scale-out: with the database task backend, index updates wait in the queue for `db_worker`.

The default (immediate) backend hides whether the task arguments survive a round trip
through the database and whether a separate worker can apply them; these tests run the
real worker command.
"""

import pytest
from django_tasks_db.models import DBTaskResult

from search.engines import get_engine
from search.engines.base import SearchQuery
from tests.helpers import DATABASE_TASKS, run_db_worker
from tests.search.experience_helpers import make_article, make_topic

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def found(q):
    return [(h.doc_type, h.doc_id) for h in get_engine().search(SearchQuery(q=q)).hits]


def test_a_published_article_is_found_once_the_worker_has_run(search_engine, settings):
    settings.TASKS = DATABASE_TASKS
    topic = make_topic()
    article = make_article(topic, "个体工商户简易注销办理指引", problem="前任租户未注销，新店办不了营业执照")

    # Publishing returned at once; the index change is waiting for a worker.
    assert found("简易注销") == []
    assert DBTaskResult.objects.filter(task_path="search.tasks.sync_document_task").ready().exists()

    run_db_worker()
    assert ("article", article.pk) in found("简易注销")
    assert not DBTaskResult.objects.ready().exists()
    assert not DBTaskResult.objects.filter(status="FAILED").exists()

    article.unpublish()
    assert ("article", article.pk) in found("简易注销")
    run_db_worker()
    assert found("简易注销") == []


def test_a_bulk_write_queues_each_document_once(search_engine, settings):
    from django.db import transaction

    from search import indexing

    settings.TASKS = DATABASE_TASKS
    topic = make_topic()
    run_db_worker()
    with transaction.atomic(), indexing.batched():
        articles = [make_article(topic, f"批量注销指引{i}", slug=f"piliang-{i}") for i in range(3)]
        for article in articles:  # a second write of each, as triage-then-close does for a case
            article.save_revision().publish()
    queued = DBTaskResult.objects.filter(task_path__startswith="search.tasks.").ready()
    assert [(r.task_path, sorted(r.args_kwargs["args"][1])) for r in queued] == [
        ("search.tasks.sync_documents_task", sorted(a.pk for a in articles))
    ]
    run_db_worker()
    assert {("article", a.pk) for a in articles} <= set(found("批量注销指引"))

    # A bulk write that fails queues nothing: its rows were rolled back.
    with pytest.raises(RuntimeError), transaction.atomic(), indexing.batched():
        make_article(topic, "回滚的注销指引", slug="huigun")
        raise RuntimeError("import failed half way")
    assert not DBTaskResult.objects.filter(task_path__startswith="search.tasks.").ready().exists()
