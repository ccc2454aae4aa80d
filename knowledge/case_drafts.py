"""The content of "起草办事指引" (issue 5: articles from resolved cases).

Pure function over plain data: ``draft_from_case`` turns what a closed case
knows (the matter in the reporter's words, the resolution, the departments'
replies, the policies cited, the 容缺 materials) into de-identified article
fields, plus the list of every replacement made, per field, so the editor
sees what was removed. The service ``article_draft_from_case`` (owner of
knowledge/services.py) maps the result onto a draft ``SolutionArticlePage``
under the right topic, links it to the case and submits it to the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kernel.personal_data import Replacement, deidentify

__all__ = ["CaseForDraft", "DraftMaterial", "FieldReplacement", "ArticleDraft", "draft_from_case"]

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
class ArticleDraft:
    title: str
    summary: str
    problem: str
    applies_to: str
    steps: list[str]  # one paragraph per step
    departments: list[str]
    policies: list[str]
    materials: list[DraftMaterial]
    replacements: list[FieldReplacement]

    @property
    def replaced_kinds(self) -> list[str]:
        return sorted({r.replacement.kind for r in self.replacements})


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draft_from_case(case: CaseForDraft) -> ArticleDraft:
    """De-identified article fields pre-filled from a closed case."""
    replacements: list[FieldReplacement] = []

    def clean(field_name: str, text: str) -> str:
        result = deidentify((text or "").strip(), known_names=case.known_names)
        replacements.extend(FieldReplacement(field_name, r) for r in result.replacements)
        return result.text

    problem = clean("problem", case.matter)
    if case.counter_failure_reason:
        problem += "\n" + clean("problem", f"窗口未能办理的原因：{case.counter_failure_reason}")
    subject = case.service_item or problem.split("。")[0][:30]
    title = clean("title", _clip(f"{subject}办不成怎么办" if case.service_item else subject, TITLE_MAX))
    summary = clean("summary", _clip(case.resolution_summary, SUMMARY_MAX))

    steps: list[str] = []
    for department, reply in case.department_replies:
        if reply.strip():
            steps.append(clean(f"steps[{len(steps)}]", f"{department}：{reply}"))
    if case.resolution_summary.strip():
        steps.append(clean(f"steps[{len(steps)}]", case.resolution_summary))
    if case.guidance_answer.strip():
        steps.append(clean(f"steps[{len(steps)}]", f"政策解答：{case.guidance_answer}"))
    if case.cited_rule.strip():
        steps.append(clean(f"steps[{len(steps)}]", f"依据：{case.cited_rule}"))
    if case.alternative_path.strip():
        steps.append(clean(f"steps[{len(steps)}]", f"替代途径：{case.alternative_path}"))

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
