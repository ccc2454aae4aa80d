"""The content of "起草办事指引" (issue 5: articles from resolved cases).

Pure function over plain data: ``draft_from_case`` turns what a closed case
knows (the matter in the reporter's words, the resolution, the departments'
replies, the policies cited, the 容缺 materials) into de-identified article
fields built from that structure: a title from the matter, numbered steps from
the resolution's actions and each department's reply (in public wording, with
placeholders read as words), plus the list of every replacement made, per
field, so the editor sees what was removed. The service
``article_draft_from_case_data`` maps the result onto a draft
``SolutionArticlePage`` under the right topic; the draft stays with its editor
until they submit it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kernel.personal_data import Replacement, deidentify

__all__ = [
    "CaseForDraft", "DraftMaterial", "DraftStep", "FieldReplacement", "ArticleDraft", "draft_from_case",
    "public_wording",
]

SUMMARY_MAX = 300  # SolutionArticlePage.summary max_length
TITLE_MAX = 255


@dataclass(frozen=True)
class DraftMaterial:
    name: str
    can_supply_later: bool = False
    supply_method: str = ""  # display label, e.g. "电话核验" / "微信" / "邮寄"
    note: str = ""


@dataclass(frozen=True)
class CaseForDraft:
    matter: str
    resolution_summary: str
    service_item: str = ""
    classification: str = ""  # display label, e.g. "难办"
    counter_failure_reason: str = ""
    alternative_path: str = ""
    guidance_answer: str = ""
    cited_rule: str = ""
    department_replies: list[tuple[str, str]] = field(default_factory=list)  # (department name, reply)
    departments: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    materials: list[DraftMaterial] = field(default_factory=list)
    known_names: list[str] = field(default_factory=list)  # reporter/enterprise contact names


@dataclass(frozen=True)
class FieldReplacement:
    field: str  # article field name: "title", "problem", "steps[2]", "materials[0].note"...
    replacement: Replacement


@dataclass(frozen=True)
class DraftStep:
    title: str  # the action, short ("办理简易注销")
    body: str = ""  # plain text; the service escapes it into a paragraph
    where: str = ""  # the department that does it


@dataclass(frozen=True)
class ArticleDraft:
    title: str
    summary: str
    problem: str
    applies_to: str
    steps: list[DraftStep]
    departments: list[str]
    policies: list[str]
    materials: list[DraftMaterial]
    replacements: list[FieldReplacement]

    @property
    def replaced_kinds(self) -> list[str]:
        return sorted({r.replacement.kind for r in self.replacements})


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Public wording ----------------------------------------------------------
# A placeholder tells the editor what was removed; a reader needs words. Each rule
# reads the words around the placeholder ("15位身份证【身份证号】" is the old ID).

_ROLE = "法定代表人|股东|申请人|负责人|经办人|投资人|清算组成员|监护人|房东|前租户"
_WORDING = [
    # A de-identified name after a role ("负责人李某某" -> "负责人申请人"): the role says it.
    (re.compile(r"(负责人|法定代表人|股东|房东|经办人|联系人|投资人)申请人"), r"\1"),
    # 法定代表人15位身份证 -> 法定代表人的15位身份证
    (re.compile(f"({_ROLE})(?=(?:15|18|十五|十八)位)"), r"\1的"),
    (re.compile(r"(?:15|十五)位(?:的)?(?:旧|老)?身份证(?:号码?)?[：:\s]*(?:【身份证号】)?"), "15位旧身份证号"),
    (re.compile(r"(?:18|十八)位(?:的)?(?:新)?身份证(?:号码?)?[：:\s]*(?:【身份证号】)?"), "18位新身份证号"),
    (re.compile(r"升位(?:后)?(?:为|成|是)?[：:\s]*【身份证号】"), "升位为18位新身份证号"),
    (re.compile(r"身份证(?:号码?)?[：:\s]*【身份证号】"), "身份证号"),
    (re.compile(r"【身份证号】"), "身份证号"),
    (re.compile(r"(?:姓名|名字)[：:\s]*【姓名】"), "姓名"),
    (re.compile(r"【姓名】"), "申请人"),
    (re.compile(r"(?:统一社会信用代码|信用代码)[：:\s]*【统一社会信用代码】"), "统一社会信用代码"),
    (re.compile(r"【统一社会信用代码】"), "统一社会信用代码"),
    (re.compile(r"(?:地址|住址|住所)[：:\s]*【地址】"), "地址"),
    (re.compile(r"【地址】"), "所在地址"),
    (re.compile(r"(?:车牌号?码?)[：:\s]*【车牌号】"), "车牌号"),
    (re.compile(r"【车牌号】"), "车牌号"),
    (re.compile(r"(?:银行卡号?码?)[：:\s]*【银行卡号】"), "银行卡号"),
    (re.compile(r"【银行卡号】"), "银行卡号"),
]
# A clause carrying a private contact or a case number says nothing to a reader: drop it.
_CONTACT = re.compile(r"【(?:手机号|电话|邮箱|社交账号|案件编号)】")
_CONTACT_ASIDE = re.compile(r"[（(][^（()）]*【(?:手机号|电话|邮箱|社交账号|案件编号)】[^（()）]*[）)]")
_CLAUSE = re.compile(r"[^，,；;。！!？?\n]*[，,；;。！!？?\n]?")
# "身份证【身份证号】" on its own: the reporter's identifier, nothing a reader needs.
_ONLY_IDENTIFIER = re.compile(
    r"^\s*(?:我的|本人)?(?:电话|手机|手机号码?|联系电话|身份证(?:号码?)?|证件号码?|住址|地址|家住|住在|邮箱|"
    r"微信号?|QQ|姓名|车牌号?|银行卡号?)?[：:\s]*【[^】]+】\s*[，,；;。！!？?\n]?$"
)
_SELF_INTRO = re.compile(r"^\s*(?:我是|本人是?|我叫)申请人\s*[，,；;。]?$")
# Internal reply wording -> public instruction.
_INTERNAL = [
    (re.compile(r"^(?:经(?:研究|核实|核查|协调|会商)[，,]?\s*)"), ""),
    (re.compile(r"^(?:我(?:局|委|中心|单位|所|处|科|办)\s*)"), ""),
    (re.compile(r"^已(?=[\u4e00-\u9fff])"), ""),
    (re.compile(r"为申请人"), "为办事人"),
    (re.compile(r"请申请人"), "办事人可"),
]


def public_wording(text: str) -> str:
    """Placeholders read as words; clauses about private contacts are left out."""
    text = _CONTACT_ASIDE.sub("", text)
    kept = []
    for clause in _CLAUSE.findall(text):
        if not clause:
            continue
        if _CONTACT.search(clause) or _SELF_INTRO.match(clause) or _ONLY_IDENTIFIER.match(clause):
            # Keep the sentence's end mark if this clause carried it.
            if kept and clause[-1] in "。！!？?" and kept[-1][-1:] in "，,；;":
                kept[-1] = kept[-1][:-1] + clause[-1]
            continue
        kept.append(clause)
    result = "".join(kept).strip()
    for pattern, replacement in _WORDING:
        result = pattern.sub(replacement, result)
    result = re.sub(r"^[，,；;。\s]+", "", result)
    return re.sub(r"[，,；;\s]+$", "", result)


def _instruction(text: str) -> str:
    text = text.strip()
    for pattern, replacement in _INTERNAL:
        text = pattern.sub(replacement, text)
    return text


# Where one action of a resolution ends and the next begins.
_ACTION_SPLIT = re.compile(r"[。；;]|[，,]\s*(?=随后|然后|之后|再由|最后|同时)")
_LEADING_CONNECTIVE = re.compile(r"^(?:随后|然后|之后|最后|同时|再)\s*[，,]?")


def _actions(text: str) -> list[str]:
    """The resolution cut into its actions, in order."""
    actions = []
    for part in _ACTION_SPLIT.split(text or ""):
        part = _LEADING_CONNECTIVE.sub("", part.strip(" ，,"))
        if len(part) >= 4:
            actions.append(part)
    return actions


def _step_title(action: str) -> str:
    """A short title for a step: the action's first clause, at most 30 characters."""
    first = re.split(r"[，,：:]", action, maxsplit=1)[0]
    return _clip(first, 30)


def _step_body(text: str) -> str:
    """The step's detail; none when the title already says it all."""
    return _sentence(text) if _step_title(text) != text else ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？!?" else text + "。"


# Clauses that state the problem (what could not be done), for the title.
_PROBLEM = re.compile(r"办不了|办不成|办不下来?|批不下来|不受理|不能|无法|不会|没法|不予|不让|未能|卡在|被退回|没有|没注销|未注销|失联|过期|不一致")


def _title_from_matter(matter_public: str, service_item: str) -> str:
    """The matter in a reader's words: "股东失联，企业注销办不成怎么办"."""
    sentences = [s for s in re.split(r"[。！？!?\n]", matter_public) if s.strip()]
    chosen = next((s for s in sentences if _PROBLEM.search(s)), sentences[0] if sentences else "")
    clauses = [c.strip() for c in re.split(r"[，,；;]", chosen) if c.strip()]
    clauses = [c for c in clauses if not re.match(r"^(?:我是|本人|我叫|您好|你好)", c)]
    # The clauses that state the problem, and the one before them (the situation) if short.
    problem_at = [i for i, c in enumerate(clauses) if _PROBLEM.search(c)]
    if problem_at:
        first, last = problem_at[0], problem_at[-1]
        with_situation = clauses[max(0, first - 1): last + 1]
        clauses = with_situation if len("，".join(with_situation)) <= 24 else clauses[first: last + 1]
    core = "，".join(clauses)[:40].rstrip("，")
    core = re.sub(r"^(?:可是|但是|但|不过|结果)?(?:我|我们|我家|本人)?(?:的)?", "", core)
    # A title speaks of the matter, not of the reporter: "，我办不了…" -> "，办不了…".
    core = re.sub(r"([，,])(?:我们|我)(?=办|想|要|在|去|没|不|已|还|也|就|都|一直)", r"\1", core)
    if service_item and service_item not in core:
        core = f"{service_item}：{core}" if core else service_item
    if not core:
        return ""
    return core if core.endswith("怎么办") else core + "怎么办"


def draft_from_case(case: CaseForDraft) -> ArticleDraft:
    """De-identified article fields built from a closed case's structure."""
    replacements: list[FieldReplacement] = []

    def clean(field_name: str, text: str) -> str:
        result = deidentify((text or "").strip(), known_names=case.known_names)
        replacements.extend(FieldReplacement(field_name, r) for r in result.replacements)
        return public_wording(result.text)

    problem = clean("problem", case.matter)
    if case.counter_failure_reason:
        problem += "\n" + clean("problem", f"窗口未能办理的原因：{case.counter_failure_reason}")
    title = _clip(_title_from_matter(problem, case.service_item) or case.service_item or "办事指引草稿", TITLE_MAX)
    summary = clean("summary", _clip(case.resolution_summary, SUMMARY_MAX))

    steps: list[DraftStep] = []

    def add_step(title: str, body: str = "", where: str = "") -> None:
        if not title:
            return
        for i, step in enumerate(steps):
            if step.title == title:  # several departments did the same: one step, all of them
                if where and where not in step.where.split("、"):
                    steps[i] = DraftStep(step.title, step.body, "、".join(filter(None, [step.where, where])))
                return
        steps.append(DraftStep(title=title, body=body, where=where))

    for department, reply in case.department_replies:
        for action in _actions(reply):
            text = _instruction(clean(f"steps[{len(steps)}]", action))
            if text:
                add_step(_step_title(text), _step_body(text), department)
    for action in _actions(case.resolution_summary):
        text = _instruction(clean(f"steps[{len(steps)}]", action))
        if text:
            add_step(_step_title(text), _step_body(text))
    if case.guidance_answer.strip():
        add_step("了解政策规定", _sentence(clean(f"steps[{len(steps)}]", case.guidance_answer)))
    if case.cited_rule.strip():
        add_step("办理依据", _sentence(clean(f"steps[{len(steps)}]", case.cited_rule)))
    if case.alternative_path.strip():
        add_step("也可以这样办", _sentence(clean(f"steps[{len(steps)}]", case.alternative_path)))

    materials = [
        DraftMaterial(
            name=clean(f"materials[{i}].name", m.name),
            can_supply_later=m.can_supply_later,
            supply_method=m.supply_method,
            note=clean(f"materials[{i}].note", m.note),
        )
        for i, m in enumerate(case.materials)
    ]
    applies_to = f"办理“{case.service_item}”时遇到类似情况的企业和群众" if case.service_item else ""
    return ArticleDraft(
        title=title,
        summary=summary,
        problem=problem,
        applies_to=applies_to,
        steps=steps,
        departments=list(dict.fromkeys(case.departments)),
        policies=list(dict.fromkeys(case.policies)),
        materials=materials,
        replacements=replacements,
    )
