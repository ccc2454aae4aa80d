"""rebuild_search_index: everything from the database, idempotent, on both engines."""

from django.core.management import call_command

from search.engines import get_engine
from search.engines.base import SearchQuery
from search.models import PendingIndexOperation
from tests.search.experience_helpers import make_article, make_policy, make_topic


def snapshot(q):
    res = get_engine().search(SearchQuery(q=q, page_size=50))
    return res.count, [(h.doc_type, h.doc_id) for h in res.hits], {k: v for k, v in res.facets.items()}


def test_rebuild_is_idempotent_and_clears_the_queue(search_engine, capsys):
    topic = make_topic()
    for i in range(3):
        make_article(topic, f"简易注销办理指引{i}", slug=f"zhuxiao-{i}")
    make_article(topic, "简易注销草稿", slug="draft", live=False)
    make_policy("关于简易注销登记的通知")
    PendingIndexOperation.objects.create(engine=search_engine.name, doc_type="article", doc_id=999, action="index")

    call_command("rebuild_search_index")
    first = snapshot("简易注销")
    assert first[0] == 4  # 3 live articles + 1 policy, never the draft
    assert "已重建" in capsys.readouterr().out
    assert not PendingIndexOperation.objects.exists()

    call_command("rebuild_search_index")
    assert snapshot("简易注销") == first


def test_rebuild_drops_documents_that_no_longer_exist(search_engine):
    from search.engines.base import SearchDocument

    search_engine.index([SearchDocument(doc_type="article", doc_id=424242, title="孤儿文档简易注销")])
    call_command("rebuild_search_index")
    assert snapshot("孤儿文档")[0] == 0
