"""起草办事指引: article fields from a closed case, de-identified, with the replacements listed."""

from knowledge.case_drafts import CaseForDraft, DraftMaterial, draft_from_case
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


def test_draft_is_prefilled_and_free_of_personal_data():
    draft = draft_from_case(hongkou_case())
    assert draft.title == "食品经营许可办不成怎么办"
    assert draft.problem.startswith("我是申请人，租下北外滩来福士广场的铺位开餐饮店")
    assert "电话【手机号】" in draft.problem
    assert "窗口未能办理的原因：经营场所已登记在前租户名下" in draft.problem
    assert draft.steps == [
        "区市场监管局：已联系前租户负责人申请人（手机 【手机号】）完成简易注销。",
        "区政务服务中心和北外滩市场监管所联系物业和前租户，协助前租户完成简易注销，随后为申请人提速办理证照。",
    ]
    assert draft.departments == ["区市场监管局", "区税务局"]
    assert draft.policies == ["沪府办〔2023〕12号"]
    assert draft.materials[0].note == "可由申请人代为邮寄" and draft.materials[0].can_supply_later
    everything = [draft.title, draft.summary, draft.problem, draft.applies_to, *draft.steps,
                  *(m.name + m.note for m in draft.materials)]
    assert all(find_personal_data(t) == [] for t in everything)


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
    assert draft.steps[-2:] == ["依据：《上海市住宅物业管理规定》第十二条", "替代途径：可在商业用房开办，咨询12345。"]
    assert len(draft.summary) == 300 and draft.summary.endswith("…")
    assert draft.title.startswith("我是申请人") and len(draft.title) <= 30
