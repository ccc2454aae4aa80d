"""Index freshness: publish, unpublish, move, delete and policy changes reach the index after commit."""

import uuid

import pytest

from kernel.content_version import content_version
from search import indexing
from search.engines import get_engine
from search.engines.base import SearchQuery
from search.models import PendingIndexOperation
from tests.search.conftest import configure_engine
from tests.search.experience_helpers import make_article, make_policy, make_topic


def found(q, **kw):
    return [(h.doc_type, h.doc_id) for h in get_engine().search(SearchQuery(q=q, **kw)).hits]


def test_publish_unpublish_and_delete_update_the_index(search_engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        topic = make_topic()
        article = make_article(topic, "个体工商户简易注销办理指引", problem="前任租户未注销，新店办不了营业执照")
    assert ("article", article.pk) in found("简易注销")
    hit = get_engine().search(SearchQuery(q="简易注销")).hits[0]
    assert hit.url == article.get_url() and hit.title == "个体工商户简易注销办理指引"

    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    assert ("article", article.pk) not in found("简易注销")

    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert ("article", article.pk) in found("简易注销")

    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert found("简易注销") == []


def test_draft_pages_never_reach_results(search_engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        topic = make_topic()
        draft = make_article(topic, "廉租房申请草稿", live=False)
        live = make_article(topic, "廉租房申请条件", slug="lianzu-live")
    # A draft revision of a live page does not leak either.
    with django_capture_on_commit_callbacks(execute=True):
        live.title = "廉租房内部草稿标题"
        live.save_revision()
    results = found("廉租房")
    assert ("article", live.pk) in results and ("article", draft.pk) not in results
    assert found("内部草稿") == []
    # Rebuild from the database agrees.
    indexing.rebuild()
    assert ("article", draft.pk) not in found("廉租房")


def test_writes_of_a_bulk_block_are_searchable_and_public_pages_uncached_when_it_ends(
        search_engine, django_capture_on_commit_callbacks):
    # An import makes its writes searchable once, at its end: a public page cached before
    # then would keep showing the results from before the import.
    with indexing.refresh_deferred():
        with django_capture_on_commit_callbacks(execute=True):
            article = make_article(make_topic(), "个体工商户简易注销办理指引")
        version = content_version()
    assert content_version() > version
    assert ("article", article.pk) in found("简易注销")


def test_a_bulk_write_of_several_batches_is_searchable_when_its_one_task_ends(
        search_engine, django_capture_on_commit_callbacks, monkeypatch):
    # The batches are written without a refresh each: the one at the task's end makes them all searchable.
    from django.db import transaction

    monkeypatch.setattr(indexing, "SYNC_BATCH", 2)
    topic = make_topic()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), indexing.batched():
            articles = [make_article(topic, f"批量注销指引{i}", slug=f"piliang-{i}") for i in range(5)]
    assert {("article", a.pk) for a in articles} <= set(found("批量注销指引"))


def test_policy_saves_and_deletes_follow(search_engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy = make_policy("关于推行容缺受理的通知", document_number="沪府办〔2023〕12号")
    assert ("policy", policy.pk) in found("容缺受理")
    with django_capture_on_commit_callbacks(execute=True):
        policy.delete()
    assert found("容缺受理") == []


@pytest.mark.elasticsearch
def test_elasticsearch_down_saving_works_and_the_queue_catches_up(db, settings, django_capture_on_commit_callbacks):
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    cfg = configure_engine(settings, "elasticsearch", ES_INDEX_PREFIX=prefix)
    real_url = cfg["ES_URL"]
    engine = get_engine()
    if not engine.health():
        pytest.fail(f"Elasticsearch is not reachable at {real_url}: start it with `make es`.")
    engine.clear()
    try:
        configure_engine(settings, "elasticsearch", ES_INDEX_PREFIX=prefix, ES_URL="http://127.0.0.1:9")
        assert not get_engine().health()
        with django_capture_on_commit_callbacks(execute=True):
            topic = make_topic()
            article = make_article(topic, "营业性演出许可全程网办")
        article.refresh_from_db()
        assert article.live  # saving and publishing succeeded
        queued = set(PendingIndexOperation.objects.values_list("engine", "doc_type", "doc_id"))
        assert ("elasticsearch", "article", article.pk) in queued

        configure_engine(settings, "elasticsearch", ES_INDEX_PREFIX=prefix, ES_URL=real_url)
        assert found("营业性演出许可") == []
        done, left = indexing.process_pending()
        assert done >= 1 and left == 0
        assert ("article", article.pk) in found("营业性演出许可")
        assert not PendingIndexOperation.objects.exists()
    finally:
        configure_engine(settings, "elasticsearch", ES_INDEX_PREFIX=prefix, ES_URL=real_url)
        get_engine().drop_all()
