"""Policy-change matching: which content needs review, which cases cite the old policy."""

import datetime

from knowledge.policy_change import (
    ContentRef,
    PolicyChangeSpec,
    PolicyRef,
    articles_needing_review,
    cases_mentioning_policy,
    guide_draft_fields,
    mentions_policy,
    normalize_document_number,
)

OLD = PolicyRef(1, "上海市廉租住房租金配租实施细则", "沪府办〔2019〕30号")
NEW = PolicyRef(2, "上海市廉租住房租金配租管理办法", "沪府规〔2024〕3号")
CHANGE = PolicyChangeSpec(
    old_policy=OLD, new_policy=NEW, effective_date=datetime.date(2024, 7, 1),
    transition_end=datetime.date(2024, 12, 31), service_item_ids=frozenset({10}),
    service_item_names={10: "廉租住房租金配租"}, tags=frozenset({"廉租房"}),
)


def test_document_number_variants_are_the_same_citation():
    for variant in ["沪府办[2019]30号", "沪府办（2019）30号", "沪府办 ［2019］ 30 号", "沪府办〔2019〕30号"]:
        assert normalize_document_number(variant) == "沪府办〔2019〕30号"
    assert mentions_policy("依据沪府办[2019]30号第五条", OLD)
    assert mentions_policy("按照《上海市廉租住房租金配租实施细则》办理", OLD)
    assert not mentions_policy("依据沪府办〔2019〕31号", OLD)
    assert not mentions_policy("廉租住房", OLD)


def test_right_articles_are_flagged_with_reasons_and_unrelated_ones_are_not():
    contents = [
        ContentRef("cites", "廉租房补助怎么申请", policy_ids=frozenset({1})),
        ContentRef("cites-in-text", "租金补贴问答", text="根据沪府办（2019）30号，……"),
        ContentRef("same-item", "廉租房申请材料", service_item_ids=frozenset({10, 11})),
        ContentRef("same-tag", "住房困难家庭救助", tags=frozenset({"廉租房", "救助"})),
        ContentRef("unrelated", "营业执照办理", policy_ids=frozenset({5}), service_item_ids=frozenset({20}),
                   tags=frozenset({"开办企业"}), text="依据沪府办〔2023〕12号"),
    ]
    flags = {f.content_id: f.reasons for f in articles_needing_review(CHANGE, contents)}
    assert set(flags) == {"cites", "cites-in-text", "same-item", "same-tag"}
    assert flags["cites"][0] == "引用了本次政策变化的原政策《上海市廉租住房租金配租实施细则》"
    assert flags["same-item"][0] == "涉及政策变化影响的事项：廉租住房租金配租"
    assert flags["same-tag"][0] == "标签相同：廉租房"
    assert flags["cites"][-1] == "新政策《上海市廉租住房租金配租管理办法》自 2024-07-01 起施行"


def test_cases_after_the_change_citing_the_old_policy_are_counted():
    cases = [
        (1, datetime.date(2024, 6, 30), "窗口按沪府办〔2019〕30号不予受理"),
        (2, datetime.datetime(2024, 7, 1, 9), "窗口按沪府办[2019]30号不予受理"),
        (3, datetime.date(2024, 8, 1), "《上海市廉租住房租金配租实施细则》还适用吗"),
        (4, datetime.date(2024, 8, 2), "新办法沪府规〔2024〕3号怎么申请"),
    ]
    assert cases_mentioning_policy(OLD, cases, since=CHANGE.effective_date) == [2, 3]


def test_guide_draft_fields():
    fields = guide_draft_fields(CHANGE)
    assert fields["title"] == "上海市廉租住房租金配租管理办法：新旧政策衔接指引"
    assert fields["summary"] == (
        "《上海市廉租住房租金配租管理办法》（沪府规〔2024〕3号）自 2024-07-01 起施行，"
        "替代《上海市廉租住房租金配租实施细则》（沪府办〔2019〕30号）。过渡期至 2024-12-31。"
    )
    assert fields["effective_date"] == datetime.date(2024, 7, 1)
    assert fields["transition_end"] == datetime.date(2024, 12, 31)
