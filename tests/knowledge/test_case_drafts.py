"""起草办事指引: article fields from a closed case, de-identified, with the replacements listed."""

import pytest

from knowledge.case_drafts import CaseForDraft, DraftMaterial, draft_from_case, public_wording
from kernel.personal_data import find_personal_data


def hongkou_case(**overrides):
    data = dict(
        matter="我是张女士，租下北外滩来福士广场的铺位开餐饮店，同一铺位的前租户没有注销企业，办不了证照。电话13812345678。",
        resolution_summary="区政务服务中心和北外滩市场监管所联系物业和前租户，协助前租户完成简易注销，随后为申请人提速办理证照。",
        service_item="食品经营许可",
        classification="难办",
        counter_failure_reason="经营场所已登记在前租户名下",
        department_replies=[("区市场监管局", "已联系前租户负责人李某某（手机 139-0000-1234）完成简易注销。"),
                            ("区税务局", "")],
        departments=["区市场监管局", "区税务局", "区市场监管局"],
        policies=["沪府办〔2023〕12号"],
        materials=[DraftMaterial("前租户注销证明", True, "邮寄", "可由张三丰代为邮寄")],
        known_names=["张三丰"],
    )
    data.update(overrides)
    return CaseForDraft(**data)


def test_draft_is_built_from_the_case_structure_and_free_of_personal_data():
    draft = draft_from_case(hongkou_case())
    # The title states the matter (not a generic "…办不成怎么办"); the editor can change it.
    assert draft.title == "食品经营许可：同一铺位的前租户没有注销企业，办不了证照怎么办"
    assert draft.problem.startswith("租下北外滩来福士广场的铺位开餐饮店")
    assert "【" not in draft.problem and "电话" not in draft.problem  # the self-introduction is gone
    assert "窗口未能办理的原因：经营场所已登记在前租户名下" in draft.problem
    # Numbered steps: the department's reply in public wording, then the resolution's actions.
    assert [(s.title, s.where) for s in draft.steps] == [
        ("联系前租户负责人完成简易注销", "区市场监管局"),
        ("区政务服务中心和北外滩市场监管所联系物业和前租户", ""),
        ("为办事人提速办理证照", ""),
    ]
    assert draft.steps[1].body == "区政务服务中心和北外滩市场监管所联系物业和前租户，协助前租户完成简易注销。"
    assert draft.summary.startswith("区政务服务中心")  # the resolution is the summary, not a step copy
    assert draft.departments == ["区市场监管局", "区税务局"]
    assert draft.policies == ["沪府办〔2023〕12号"]
    assert draft.materials[0].note == "可由申请人代为邮寄" and draft.materials[0].can_supply_later
    everything = [draft.title, draft.summary, draft.problem, draft.applies_to,
                  *(s.title + s.body for s in draft.steps), *(m.name + m.note for m in draft.materials)]
    assert all(find_personal_data(t) == [] for t in everything)


def test_placeholders_read_as_words_never_twice_in_a_sentence():
    draft = draft_from_case(hongkou_case(
        department_replies=[("区公安分局", "法定代表人15位身份证310109750307123升位后为310109197503071234，已出具证明。"
                                         "联系人手机 139 1234 5678。")],
    ))
    step = draft.steps[0]
    assert step.title == "法定代表人的15位旧身份证号升位为18位新身份证号"
    assert step.body == "法定代表人的15位旧身份证号升位为18位新身份证号，已出具证明。"
    assert all("【" not in s.title + s.body for s in draft.steps)
    # The replacements are still listed for the editor.
    assert [r.replacement.kind for r in draft.replacements if r.field == "steps[0]"] == ["id_number", "id_number"]


@pytest.mark.parametrize("text, expected", [
    ("身份证【身份证号】升位后为【身份证号】", "身份证号升位为18位新身份证号"),
    ("请核对地址：【地址】", "请核对地址"),
    ("身份证【身份证号】。", ""),
    ("已联系前租户，简易注销公示期20日，联系人手机 【手机号】。", "已联系前租户，简易注销公示期20日。"),
    ("负责人申请人（手机 【手机号】）已到场", "负责人已到场"),
    ("我是申请人，电话【手机号】。铺位办不了证", "铺位办不了证"),
])
def test_public_wording(text, expected):
    assert public_wording(text) == expected


def test_editor_sees_each_replacement_by_field_and_masked():
    draft = draft_from_case(hongkou_case())
    listed = [(r.field, r.replacement.kind, r.replacement.original_masked) for r in draft.replacements]
    assert listed == [
        ("problem", "name", "张**"),
        ("problem", "mobile", "138****5678"),
        ("steps[0]", "name", "李**"),
        ("steps[0]", "mobile", "139****1234"),
        ("materials[0].note", "name", "张**"),
    ]
    assert draft.replaced_kinds == ["mobile", "name"]


def test_cannot_case_keeps_rule_and_alternative_and_long_summary_is_clipped():
    draft = draft_from_case(hongkou_case(
        classification="办不了", department_replies=[], service_item="",
        cited_rule="《上海市住宅物业管理规定》第十二条", alternative_path="可在商业用房开办，咨询12345。",
        resolution_summary="说明" * 200,
    ))
    assert [(s.title, s.body) for s in draft.steps[-2:]] == [
        ("办理依据", "《上海市住宅物业管理规定》第十二条。"), ("也可以这样办", "可在商业用房开办，咨询12345。"),
    ]
    assert len(draft.summary) == 300 and draft.summary.endswith("…")
    assert all(len(s.title) <= 30 for s in draft.steps)
    assert draft.title == "同一铺位的前租户没有注销企业，办不了证照怎么办"
