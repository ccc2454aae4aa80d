"""Learned ranking (search/learning/): it learns from readers' clicks, changes ranking the way
they pointed, changes nothing when switched off, and never lets staff signals move anonymous results.

A small synthetic library on both engines: for each of eight services, a "decoy" that repeats the
service name (the engine puts it first) and the guide readers actually open.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from search.engines import get_engine
from search.engines.base import SearchDocument, SearchQuery
from search.learning import rerank, services
from search.models import LearningSettings, QueryClick, RankingModel

pytestmark = pytest.mark.django_db

SERVICES = ["营业执照", "公积金提取", "居住证", "社保转移", "户口迁移", "食品经营许可", "出生医学证明", "不动产登记"]
ASKED = ["{s}怎么办", "如何办理{s}", "{s}需要什么材料", "{s}办理流程"]
NEW_QUESTION = "{s}去哪里办"


def decoy_id(i: int) -> int:
    return 100 + i


def guide_id(i: int) -> int:
    return 200 + i


def _docs():
    for i, s in enumerate(SERVICES):
        yield SearchDocument(
            doc_type="article", doc_id=decoy_id(i), title=f"{s}{s}问答汇总{s}",
            body=f"{s}相关的常见问题。{s}{s}{s}。关于{s}的说明{s}。", url=f"/d/{decoy_id(i)}/",
        )
        yield SearchDocument(
            doc_type="article", doc_id=guide_id(i), title=f"{s}办事指引",
            body=f"办理{s}的步骤：准备身份证件，到政务服务中心窗口提交申请，当场受理。", url=f"/g/{guide_id(i)}/",
        )


@pytest.fixture
def library(search_engine, settings):
    settings.BANCHENG_SEARCH_LEARNING = {
        **settings.BANCHENG_SEARCH_LEARNING, "MIN_QUERIES": 8, "CHECK_SECONDS": 0.0,
    }
    search_engine.index(list(_docs()))
    if hasattr(search_engine, "refresh"):
        search_engine.refresh()
    rerank.invalidate()
    yield search_engine
    rerank.invalidate()


def _replay(lines):
    return services.replay(json.dumps(line, ensure_ascii=False) for line in lines)


def _readers_click_guides():
    return _replay(
        {"query": asked.format(s=s), "relevant": [f"article:{guide_id(i)}"]}
        for i, s in enumerate(SERVICES) for asked in ASKED
    )


def _anonymous_rank_of_guides() -> list[int]:
    ranks = []
    for i, s in enumerate(SERVICES):
        res = get_engine().search(SearchQuery(q=NEW_QUESTION.format(s=s), types=["article"], page_size=10))
        ids = [h.doc_id for h in res.hits]
        ranks.append(ids.index(guide_id(i)) + 1)
    return ranks


def test_the_engine_alone_puts_the_decoys_first(library):
    assert _anonymous_rank_of_guides() == [2] * len(SERVICES)


def test_learning_from_clicks_moves_what_readers_chose_up_for_new_questions(library):
    replayed = _readers_click_guides()
    assert replayed.queries == 32 and replayed.clicks == 32 and replayed.unresolved == 0
    # Logged where the reader saw it: the guide under its decoy, or first when the question says 办理.
    assert set(QueryClick.objects.values_list("position", flat=True)) == {1, 2}
    result = services.train()
    assert result.status == "activated", result.message()
    assert result.metrics["candidate"] > result.metrics["engine"]
    # Questions never logged, about the same documents: the guides now come first.
    assert _anonymous_rank_of_guides() == [1] * len(SERVICES)
    # A reranked page still has snippets and only the page asked for.
    res = get_engine().search(SearchQuery(q="营业执照去哪里办", types=["article"], page_size=1))
    assert len(res.hits) == 1 and "<mark>" in res.hits[0].snippet and res.count >= 2


def test_switched_off_it_is_the_engine_order(library):
    _readers_click_guides()
    assert services.train().status == "activated"
    settings_row = LearningSettings.load()
    settings_row.enabled = False
    settings_row.save()
    assert _anonymous_rank_of_guides() == [2] * len(SERVICES)
    settings_row.enabled = True
    settings_row.save()
    assert _anonymous_rank_of_guides() == [1] * len(SERVICES)


def test_off_until_enough_distinct_queries_have_positives(library, settings):
    _replay({"query": q.format(s="营业执照"), "relevant": [f"article:{guide_id(0)}"]} for q in ASKED)
    result = services.train()
    assert result.status == "not_enough" and "暂不训练" in result.message()
    assert not RankingModel.objects.exists()
    assert _anonymous_rank_of_guides() == [2] * len(SERVICES)


def test_a_new_model_must_beat_the_active_one_on_held_out_queries(library):
    _readers_click_guides()
    first = services.train()
    assert first.status == "activated"
    second = services.train()  # the same logs: no better than the model in use
    assert second.status == "rejected" and "保留原模型" in second.message()
    assert RankingModel.objects.get(status=RankingModel.Status.ACTIVE).pk == first.model_id


def test_staff_signals_never_move_anonymous_results(library):
    """Clicks by signed-in staff train only the staff model: anonymous order stays the engine's."""
    QueryClick.objects.bulk_create(
        QueryClick(query=asked.format(s=s), doc=f"article:{guide_id(i)}", role="staff", position=2)
        for i, s in enumerate(SERVICES) for asked in ASKED
    )
    public, staff = services.train_all()
    assert public.status == "not_enough"
    assert staff.status == "activated", staff.message()
    assert _anonymous_rank_of_guides() == [2] * len(SERVICES)
    staff_res = get_engine().search(SearchQuery(q=NEW_QUESTION.format(s="居住证"), include_staff=True, page_size=10))
    assert staff_res.hits[0].doc_id == guide_id(2)


def test_search_replay_and_search_train_commands(library, tmp_path, capsys):
    path = tmp_path / "queries.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"query": asked.format(s=s), "relevant": [f"article:{guide_id(i)}"]}, ensure_ascii=False)
            for i, s in enumerate(SERVICES) for asked in ASKED
        ) + "\n这一行不是 JSON\n",
        encoding="utf-8",
    )
    call_command("search_replay", str(path))
    out = capsys.readouterr().out
    assert "已重放 32 次搜索、32 次点击" in out and "无法解析的行 1 行" in out and "已启用" in out
    call_command("search_train")  # through the task backend (immediate in tests)
    out = capsys.readouterr().out
    assert "公众模型" in out and "工作人员模型" in out


def test_top_searches_report_shows_what_it_learned(library, client):
    _readers_click_guides()
    services.train()
    admin = get_user_model().objects.create_superuser("learn-admin", "a@example.invalid", "x")
    client.force_login(admin)
    page = client.get("/admin/reports/search/top/").content.decode()
    assert "排序学习" in page and "使用中" in page and "/admin/reports/search/learned/?q=" in page
    page = client.get("/admin/reports/search/learned/", {"q": "居住证去哪里办"}).content.decode()
    assert "上调 1 位" in page and "下调 1 位" in page
    # Why: what readers chose before (similar past questions, or this result's own clicks).
    assert any(label in page for label in ("与以往提问整体相近", "以往相似提问点开了它", "以往点击和采用"))
    assert "居住证办事指引" in page


def test_learned_view_needs_the_analytics_permission(library, client):
    user = get_user_model().objects.create_user("plain-staff", "p@example.invalid", "x", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get("/admin/reports/search/learned/", {"q": "居住证"}).status_code in (302, 403)
