"""`manage.py import_articles FILE.jsonl` with a small generated file."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from knowledge.models import Department, SolutionArticlePage, TopicIndexPage
from portal.home.models import HomePage
from search.engines import get_engine
from search.engines.base import SearchQuery

pytestmark = pytest.mark.django_db

DOCS = [
    {
        "id": "doc-001",
        "title": "简易注销登记须知",
        "body": "简易注销登记须知 符合条件的企业可以申请简易注销。公示期为20日。 一、适用范围 未开业或无债权债务的企业。 二、办理渠道 通过一网通办提交申请。",
        "topic": "企业开办与注销",
        "tags": ["注销", "简易注销"],
        "department": "市场监督管理局",
    },
    {
        "id": "doc-002",
        "title": "住房补贴申请指南",
        "body": "申请住房补贴需要提供户籍证明和收入证明！材料齐全后五个工作日办结。",
        "topic": "住房保障",
        "tags": "住房补贴，补贴",
    },
    {"id": 3, "title": "營業性演出許可辦理", "body": "营业性演出许可已实现全程网办。"},
]


def write_jsonl(tmp_path, lines, name="articles.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_articles", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_and_publishes_articles_with_topics_and_departments(tmp_path):
    path = write_jsonl(tmp_path, [json.dumps(d, ensure_ascii=False) for d in DOCS])
    out, err = run(path)
    assert "新建 3 篇" in out and "失败 0 行" in out
    assert err == ""

    page = SolutionArticlePage.objects.get(external_id="doc-001")
    assert page.live and not page.has_unpublished_changes
    assert page.summary == "符合条件的企业可以申请简易注销。"
    assert len(page.summary) <= 300
    assert "公示期" in page.problem or "公示期" in str(page.steps)
    assert "办理渠道" in str(page.steps)
    assert sorted(t.name for t in page.tags.all()) == ["注销", "简易注销"]
    assert [d.name for d in page.departments.all()] == ["市场监督管理局"]
    topic = page.get_parent().specific
    assert isinstance(topic, TopicIndexPage) and topic.title == "企业开办与注销" and topic.live
    assert topic.get_parent().specific_class is HomePage

    second = SolutionArticlePage.objects.get(external_id="doc-002")
    assert sorted(t.name for t in second.tags.all()) == ["住房补贴", "补贴"]
    assert second.summary == "申请住房补贴需要提供户籍证明和收入证明！"
    third = SolutionArticlePage.objects.get(external_id="3")
    assert third.get_parent().title == "综合指引"  # the default topic


def test_reimport_updates_instead_of_duplicating(tmp_path):
    lines = [json.dumps(d, ensure_ascii=False) for d in DOCS]
    run(write_jsonl(tmp_path, lines))
    out, _ = run(write_jsonl(tmp_path, lines))
    assert "新建 0 篇" in out and "未变化 3 篇" in out
    assert SolutionArticlePage.objects.count() == 3
    assert TopicIndexPage.objects.filter(title="企业开办与注销").count() == 1
    assert Department.objects.filter(name="市场监督管理局").count() == 1

    changed = dict(DOCS[0], title="简易注销登记须知（2026年版）", topic="住房保障")
    out, _ = run(write_jsonl(tmp_path, [json.dumps(changed, ensure_ascii=False)]))
    assert "更新 1 篇" in out
    page = SolutionArticlePage.objects.get(external_id="doc-001")
    assert page.title == "简易注销登记须知（2026年版）" and page.live
    assert page.get_parent().title == "住房保障"
    assert SolutionArticlePage.objects.count() == 3


def test_invalid_lines_are_reported_with_line_numbers_and_leave_nothing(tmp_path):
    lines = [
        json.dumps(DOCS[0], ensure_ascii=False),
        "{not json",
        json.dumps({"id": "x1", "body": "没有标题"}, ensure_ascii=False),
        "",
        json.dumps({"id": "x2", "title": "标签有误", "body": "正文", "tags": [1, 2]}, ensure_ascii=False),
        json.dumps({"id": "x3", "title": "长" * 300, "body": "正文", "topic": "不该被创建的主题"}, ensure_ascii=False),
        json.dumps(["an", "array"]),
    ]
    out, err = run(write_jsonl(tmp_path, lines))
    assert "新建 1 篇" in out and "失败 5 行" in out
    for lineno in (2, 3, 5, 6, 7):
        assert f"第 {lineno} 行" in err
    assert "不是有效的 JSON" in err and "title" in err
    assert SolutionArticlePage.objects.count() == 1
    assert not TopicIndexPage.objects.filter(title="不该被创建的主题").exists()


def test_invalid_utf8_line_is_skipped(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(json.dumps(DOCS[1], ensure_ascii=False).encode() + b"\n\xff\xfe{}\n")
    out, err = run(path)
    assert "新建 1 篇" in out and "第 2 行" in err and "UTF-8" in err


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run(tmp_path / "nope.jsonl")


def test_no_index_imports_then_rebuilds_once_so_search_finds_them(tmp_path, search_engine):
    path = write_jsonl(tmp_path, [json.dumps(d, ensure_ascii=False) for d in DOCS])
    out, _ = run(path, "--no-index")
    assert "新建 3 篇" in out
    results = get_engine().search(SearchQuery(q="营业性演出许可", types=["article"]))
    assert [h.doc_id for h in results.hits] == [SolutionArticlePage.objects.get(external_id="3").pk]
    results = get_engine().search(SearchQuery(q="简易注销", types=["article"]))
    assert results.hits and results.hits[0].external_id == "doc-001"


NOTICE = {
    "id": "notice-1",
    "title": "关于做好复工复产登记的通知",
    "body": "关于做好复工复产登记的通知 各企业：请于2月20日前完成登记。 联系人：王蔚，联系电话：010-64521233，"
            "电子邮箱：fugong@rsj.beijing.gov.cn。 地址：北京市西城区西三环南路1号北京市政务中心。",
}
PRIVATE = {
    "id": "private-1",
    "title": "申请人反映的情况",
    "body": "申请人张某某，身份证号310101199001011234，反映营业执照无法办理。",
}
PLAIN = {"id": "plain-1", "title": "简易注销公告期", "body": "简易注销的公告期为20日。"}


def test_public_source_publishes_institutional_contacts_and_drafts_the_rest(tmp_path):
    from wagtail.models import PageLogEntry

    path = write_jsonl(tmp_path, [json.dumps(d, ensure_ascii=False) for d in (NOTICE, PRIVATE, PLAIN)])
    report = tmp_path / "report.jsonl"
    out, err = run(path, "--public-source", "--report", str(report))
    assert "已发布 2 篇" in out and "草稿 1 篇" in out and "失败 0 行" in out, out
    notice = SolutionArticlePage.objects.get(external_id="notice-1")
    assert notice.live and not notice.has_unpublished_changes and notice.live_revision_id == notice.latest_revision_id
    acked = {e["text"] for e in notice.public_info_acknowledgements}
    assert {"王蔚", "fugong@rsj.beijing.gov.cn"} <= acked
    # The acknowledgements travel with the published revision and are in the page history.
    assert notice.live_revision.content["public_info_acknowledgements"] == notice.public_info_acknowledgements
    assert PageLogEntry.objects.filter(page=notice, action="knowledge.public_info_acknowledged").count() == len(acked)
    private = SolutionArticlePage.objects.get(external_id="private-1")
    assert not private.live and private.latest_revision_id  # kept, as a draft an editor can finish
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["private-1"]
    kinds = {f["kind"] for f in lines[0]["findings"]}
    assert "身份证号" in kinds
    assert "310101199001011234" not in report.read_text(encoding="utf-8")  # masked in the report


def test_without_public_source_anything_found_is_a_draft_and_nothing_is_lost(tmp_path):
    path = write_jsonl(tmp_path, [json.dumps(d, ensure_ascii=False) for d in (NOTICE, PLAIN)])
    out, _ = run(path, "--report", str(tmp_path / "r.jsonl"))
    assert "已发布 1 篇" in out and "草稿 1 篇" in out
    assert SolutionArticlePage.objects.count() == 2
    assert not SolutionArticlePage.objects.get(external_id="notice-1").live
    # A later import declared public publishes the same notice.
    out, _ = run(path, "--public-source", "--report", str(tmp_path / "r2.jsonl"))
    assert SolutionArticlePage.objects.get(external_id="notice-1").live
    assert "已发布 2 篇" in out


def test_a_line_can_declare_itself_public(tmp_path):
    line = dict(NOTICE, public=True)
    out, _ = run(write_jsonl(tmp_path, [json.dumps(line, ensure_ascii=False)]))
    assert "已发布 1 篇" in out and SolutionArticlePage.objects.get(external_id="notice-1").live


def test_progress_is_a_line_every_few_seconds_off_a_terminal():
    from kernel.progress import Progress

    now = [0.0]
    out = StringIO()
    progress = Progress(out, total=4, label="导入", clock=lambda: now[0], tty=False)
    for t in (1.0, 4.0, 5.0, 9.0):
        now[0] = t
        progress.advance()
    progress.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("导入 2/4（50%）") and lines[1].startswith("导入 4/4（100%）")
    bar = StringIO()
    tty = Progress(bar, total=2, label="导入", clock=lambda: now[0], tty=True)
    tty.advance()
    tty.advance()
    tty.finish()
    assert "\r[" in bar.getvalue() and "#" * 30 in bar.getvalue()


def test_character_references_in_a_source_read_as_the_characters_they_spell(tmp_path, client):
    # Libraries scraped from web pages keep HTML's spellings ("&ldquo;", "&lt;…&gt;", a link's
    # "&amp;") inside plain text; a reader must see the quotation marks, not the spelling.
    doc = {
        "id": "ref-001",
        "title": "关于做好复工登记的通知",
        "body": (
            "关于做好复工登记的通知 一是&ldquo;快&rdquo;字当先，当天受理。 "
            "根据《关于转发&lt;复工登记办法&gt;的通知》办理。 "
            "网址：http://example.gov.cn/show.html?tid=5&amp;id=12 "
            "防护服符合1SO13982-l&2标准，见《实施<登记条例>办法》。 市场监管局&ensp;税务局 2020年2月6日"
        ),
    }
    path = write_jsonl(tmp_path, [json.dumps(doc, ensure_ascii=False)])
    out, _ = run(path, "--public-source")
    assert "失败 0 行" in out

    page = SolutionArticlePage.objects.get(external_id="ref-001")
    assert page.summary == "一是“快”字当先，当天受理。"
    html = client.get(page.url).content.decode()
    assert "“快”字当先" in html
    assert "《关于转发&lt;复工登记办法&gt;的通知》" in html  # "<" escaped once: shown as "<"
    assert "tid=5&amp;id=12" in html  # shown as "tid=5&id=12"
    assert "l&amp;2标准" in html and "《实施&lt;登记条例&gt;办法》" in html  # text that only looks like markup is kept
    assert "&amp;ldquo;" not in html and "&amp;lt;" not in html and "&amp;amp;" not in html and "&amp;ensp;" not in html
