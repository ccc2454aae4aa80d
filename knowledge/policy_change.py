"""Policy changes tagged by departments (issue 5) — matching logic and design notes.

Pure functions over plain data; the models and the service that persists a
change belong to knowledge/models.py and knowledge/services.py (see the
design below, to be added by their owner).

Design
------
``PolicyChange`` (snippet, registered by a department liaison):
    old_policy  FK Policy (PROTECT, related_name="changes_from")
    new_policy  FK Policy (PROTECT, related_name="changes_to")
    effective_date  DateField;  transition_end  DateField(null)  (>= effective_date, clean())
    service_items   M2M ServiceItem;  tags  TaggableManager (ClusterTaggableManager if a ClusterableModel)
    department  FK Department (the liaison's);  registered_by FK user;  registered_at
    guide  OneToOne PolicyTransitionGuidePage (null, SET_NULL) — the draft created from it

``policy_change_register(*, old_policy, new_policy, effective_date, transition_end,
service_items, tags, author) -> PolicyChange`` (transaction.atomic):
    1. full_clean() + save the change; set ``old_policy.status = superseded`` and
       ``superseded_by = new_policy``.
    2. ``articles_needing_review`` over every live SolutionArticlePage and
       PolicyTransitionGuidePage (as ``ContentRef``) -> one ``ArticleReviewFlag``
       row per hit (page FK, reason text from ``ReviewFlag.reasons``, source
       "policy_change", change FK, created_at, resolved_at/resolved_by) and set
       the page's ``review_due = today``; the existing "待复核指引" report lists them.
    3. ``guide_draft_fields`` -> a draft PolicyTransitionGuidePage under the
       topic of the first affected article (or a configured default topic),
       ``old_policy``/``new_policy``/dates/service items/tags copied, saved as a
       revision and submitted to the default workflow (``workflow.start(page, user)``).
    4. The guide's editor view counts ``cases_mentioning_policy`` over cases
       created on/after ``effective_date`` (a selector, not stored).

The same ``ArticleReviewFlag`` model serves KCS "flag it" from a case
(source "case", case FK, reason "内容有误/需更新").
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Hashable, Iterable

__all__ = [
    "PolicyRef",
    "PolicyChangeSpec",
    "ContentRef",
    "ReviewFlag",
    "normalize_document_number",
    "mentions_policy",
    "articles_needing_review",
    "cases_mentioning_policy",
    "guide_draft_fields",
]


@dataclass(frozen=True)
class PolicyRef:
    id: Hashable
    title: str
    document_number: str = ""


@dataclass(frozen=True)
class PolicyChangeSpec:
    old_policy: PolicyRef
    new_policy: PolicyRef
    effective_date: datetime.date
    transition_end: datetime.date | None = None
    service_item_ids: frozenset = frozenset()
    service_item_names: dict = field(default_factory=dict)  # id -> name, for reasons
    tags: frozenset = frozenset()


@dataclass(frozen=True)
class ContentRef:
    """A published article or guide, as far as change matching needs it."""

    id: Hashable
    title: str
    policy_ids: frozenset = frozenset()
    service_item_ids: frozenset = frozenset()
    tags: frozenset = frozenset()
    text: str = ""  # body text: a citation by document number counts too


@dataclass(frozen=True)
class ReviewFlag:
    content_id: Hashable
    reasons: list[str]


_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕",
                           "(": "〔", ")": "〕", "（": "〔", "）": "〕", "﹝": "〔", "﹞": "〕", "〖": "〔", "〗": "〕"})


def normalize_document_number(value: str) -> str:
    """沪府办[2023]12号 / 沪府办（2023）12号 / 沪府办〔2023〕 12 号 -> 沪府办〔2023〕12号."""
    text = unicodedata.normalize("NFKC", value or "")
    text = text.translate(_BRACKETS)
    return re.sub(r"\s+", "", text)


def _norm_text(value: str) -> str:
    return normalize_document_number(value).replace("《", "").replace("》", "")


def mentions_policy(text: str, policy: PolicyRef) -> bool:
    """Whether ``text`` cites the policy by document number or by its full title."""
    haystack = _norm_text(text)
    if not haystack:
        return False
    number = normalize_document_number(policy.document_number)
    if number and number in haystack:
        return True
    title = _norm_text(policy.title)
    return len(title) >= 6 and title in haystack


def articles_needing_review(change: PolicyChangeSpec, contents: Iterable[ContentRef]) -> list[ReviewFlag]:
    """Published content to flag "needs review", each with its reasons (Chinese, for the editors)."""
    flags: list[ReviewFlag] = []
    for content in contents:
        reasons: list[str] = []
        if change.old_policy.id in content.policy_ids or mentions_policy(content.text, change.old_policy):
            # Said the same before and after the effective date: until then the old policy is
            # still in force, and "已被替代" sent editors to rewrite guidance too early.
            reasons.append(f"引用了本次政策变化的原政策《{change.old_policy.title}》")
        shared_items = sorted(content.service_item_ids & change.service_item_ids, key=str)
        if shared_items:
            names = "、".join(str(change.service_item_names.get(i, i)) for i in shared_items)
            reasons.append(f"涉及政策变化影响的事项：{names}")
        shared_tags = sorted(content.tags & change.tags)
        if shared_tags:
            reasons.append(f"标签相同：{'、'.join(shared_tags)}")
        if reasons:
            reasons.append(f"新政策《{change.new_policy.title}》自 {change.effective_date.isoformat()} 起施行")
            flags.append(ReviewFlag(content.id, reasons))
    return flags


def cases_mentioning_policy(
    policy: PolicyRef, cases: Iterable[tuple[Hashable, datetime.date | datetime.datetime, str]],
    *, since: datetime.date,
) -> list[Hashable]:
    """Ids of cases opened on/after ``since`` whose text cites ``policy``."""
    hits = []
    for case_id, created, text in cases:
        day = created.date() if isinstance(created, datetime.datetime) else created
        if day >= since and mentions_policy(text, policy):
            hits.append(case_id)
    return hits


def guide_draft_fields(change: PolicyChangeSpec) -> dict:
    """Initial fields of the draft PolicyTransitionGuidePage created from a change."""
    old, new = change.old_policy, change.new_policy
    old_label = f"《{old.title}》" + (f"（{old.document_number}）" if old.document_number else "")
    new_label = f"《{new.title}》" + (f"（{new.document_number}）" if new.document_number else "")
    transition = (
        f"过渡期至 {change.transition_end.isoformat()}。" if change.transition_end else "未设过渡期。"
    )
    return {
        "title": f"{new.title}：新旧政策衔接指引"[:255],
        "summary": f"{new_label}自 {change.effective_date.isoformat()} 起施行，替代{old_label}。{transition}"[:300],
        "effective_date": change.effective_date,
        "transition_end": change.transition_end,
        "what_changed": f"<p>{new_label}替代{old_label}。主要变化待部门补充。</p>",
        "gap_guidance": "<p>事项开始于新政策施行日之前的，适用原政策；之后的，适用新政策。</p>",
    }
