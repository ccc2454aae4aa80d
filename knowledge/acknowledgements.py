"""Editors confirming public contact information (公开信息核查) before a page is published.

An acknowledgement is an entry in the page's ``public_info_acknowledgements`` field, so it
is saved in every revision with the text it covers ("travels with the revision"), and the
liaison who signs 部门会签 and the reviewer who publishes see exactly what was confirmed, by
whom and why. Each new or withdrawn acknowledgement is also a Wagtail log entry (page
history). The publish guard honours an acknowledgement only for a finding it classed as
public (``knowledge.contact_points.ACKNOWLEDGEABLE``) on a page not drawn from a case, so a
forged entry for an ID number or a reporter's phone changes nothing.
"""

from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .contact_points import ACKNOWLEDGEABLE, CATEGORY_LABELS, INSTITUTIONAL

__all__ = [
    "ACKNOWLEDGED_ACTION",
    "WITHDRAWN_ACTION",
    "MAX_REASON",
    "acknowledgement",
    "merge_submitted",
    "audit_acknowledgements",
    "acknowledgement_log_actions",
    "PublicInfoWidget",
    "for_review",
    "PublicInfoReviewMixin",
]

ACKNOWLEDGED_ACTION = "knowledge.public_info_acknowledged"
WITHDRAWN_ACTION = "knowledge.public_info_withdrawn"
MAX_REASON = 200
MAX_ENTRIES = 500


def acknowledgement(finding, *, reason: str, user: str, category: str | None = None, at=None) -> dict:
    """One stored entry for ``finding`` (a ``contact_points.Finding``)."""
    return {
        "key": finding.key,
        "kind": finding.kind,
        "text": finding.text[:200],
        "category": category or finding.category,
        "reason": reason[:MAX_REASON],
        "user": user,
        "at": (at or timezone.now()).isoformat(timespec="seconds"),
    }


def _entries(value) -> list[dict]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [e for e in (value or []) if isinstance(e, dict) and e.get("key")]


def for_review(value) -> list[dict]:
    """The stored acknowledgements as the 会签 and 审核 steps read them in a preview."""
    from kernel.personal_data import KIND_LABELS

    rows = []
    for entry in _entries(value):
        at = parse_datetime(str(entry.get("at") or ""))
        rows.append({
            "text": str(entry.get("text", "")),
            "kind": KIND_LABELS.get(entry.get("kind"), entry.get("kind") or ""),
            "category": CATEGORY_LABELS.get(entry.get("category"), entry.get("category") or ""),
            "reason": str(entry.get("reason", "")),
            "user": str(entry.get("user") or ""),
            "at": timezone.localtime(at) if at and timezone.is_aware(at) else at,
        })
    return rows


class PublicInfoReviewMixin:
    """In a preview (the reviewer's, the liaison's, the editor's) the page says above its
    content which contact details were confirmed as public, by whom and why, so the 会签
    and 审核 steps approve what they can see. The public page never shows it."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if getattr(request, "is_preview", False):
            context["public_info_review"] = for_review(self.public_info_acknowledgements)
        return context


def merge_submitted(submitted, previous, *, user: str) -> tuple[list[dict], list[str]]:
    """Entries to store from the editor's form, and error messages.

    Unchanged entries keep who confirmed them and when; new or changed ones are stamped
    with ``user`` and now.
    """
    errors: list[str] = []
    before = {e["key"]: e for e in _entries(previous)}
    out: list[dict] = []
    for entry in _entries(submitted)[:MAX_ENTRIES]:
        category = entry.get("category")
        reason = " ".join(str(entry.get("reason") or "").split())
        if category not in ACKNOWLEDGEABLE:
            errors.append(str(_("“%(text)s”不能确认为公开信息。") % {"text": str(entry.get("text", ""))[:40]}))
            continue
        if not reason:
            errors.append(str(_("请为“%(text)s”填写确认理由。") % {"text": str(entry.get("text", ""))[:40]}))
            continue
        if len(reason) > MAX_REASON:
            errors.append(str(_("确认理由最多 %(max)d 个字。") % {"max": MAX_REASON}))
            continue
        old = before.get(entry["key"])
        if old and old.get("category") == category and old.get("reason") == reason:
            out.append(old)
            continue
        out.append({
            "key": str(entry["key"])[:300],
            "kind": str(entry.get("kind", ""))[:30],
            "text": str(entry.get("text", ""))[:200],
            "category": category,
            "reason": reason,
            "user": user,
            "at": timezone.now().isoformat(timespec="seconds"),
        })
    return out, errors


def _masked(entry: dict) -> str:
    # The log keeps what was confirmed recognisable without copying the whole value.
    text = str(entry.get("text", ""))
    return text if len(text) <= 4 else text[:3] + "…" + text[-2:]


def acknowledgement_log_actions(*, before, after) -> list[tuple[str, dict]]:
    """(action, data) of the log entries for the acknowledgements added or withdrawn between two versions."""
    old = {e["key"]: e for e in _entries(before)}
    new = {e["key"]: e for e in _entries(after)}
    actions = []
    for key, entry in new.items():
        if key in old and old[key].get("category") == entry.get("category") and old[key].get("reason") == entry.get("reason"):
            continue
        actions.append((ACKNOWLEDGED_ACTION, {
            "kind": entry.get("kind", ""),
            "text": _masked(entry),
            "category": CATEGORY_LABELS.get(entry.get("category"), ""),
            "reason": entry.get("reason", ""),
        }))
    for key, entry in old.items():
        if key not in new:
            actions.append((WITHDRAWN_ACTION, {
                "kind": entry.get("kind", ""),
                "text": _masked(entry),
                "category": CATEGORY_LABELS.get(entry.get("category"), ""),
            }))
    return actions


def audit_acknowledgements(*, page, user, before, after, revision=None) -> int:
    """One log entry per acknowledgement added or withdrawn between two versions. Returns the count."""
    from wagtail.log_actions import log

    actions = acknowledgement_log_actions(before=before, after=after)
    for action, data in actions:
        log(instance=page, action=action, user=user, revision=revision, data=data)
    return len(actions)


def _excerpt(text: str, finding, width: int = 28) -> str:
    start = max(0, finding.start - width)
    end = min(len(text), finding.end + width)
    return mark_safe(
        ("…" if start else "")
        + escape(text[start : finding.start])
        + f'<mark class="public-info-mark" data-category="{escape(finding.category)}">'
        + escape(text[finding.start : finding.end])
        + "</mark>"
        + escape(text[finding.end : end])
        + ("…" if end < len(text) else "")
    )


class PublicInfoWidget(forms.Widget):
    """The 公开信息核查 list: every finding highlighted in its text, with a confirmation per item.

    The form sets ``page`` (the revision being edited) and ``page_findings`` (a callable) before
    rendering; findings are computed when the widget renders, so a form sent back with errors
    shows the findings of the text the editor just submitted.
    """

    template_name = "knowledge/admin/widgets/public_info.html"
    page = None
    findings_for = None

    def value_from_datadict(self, data, files, name):
        try:
            count = min(int(data.get(f"{name}-count", "0")), MAX_ENTRIES)
        except ValueError:
            count = 0
        entries = []
        for i in range(count):
            if not data.get(f"{name}-{i}-confirm"):
                continue
            entries.append({
                "key": data.get(f"{name}-{i}-key", ""),
                "kind": data.get(f"{name}-{i}-kind", ""),
                "text": data.get(f"{name}-{i}-text", ""),
                "category": data.get(f"{name}-{i}-category", ""),
                "reason": data.get(f"{name}-{i}-reason", ""),
            })
        return json.dumps(entries, ensure_ascii=False)

    def render(self, name, value, attrs=None, renderer=None):
        # The site's templates (not only the form renderer's built-in ones).
        from django.template.loader import render_to_string

        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        acks = {e["key"]: e for e in _entries(value)}
        items: dict[str, dict] = {}
        field_findings = self.findings_for(self.page) if (self.findings_for and self.page is not None) else []
        for ff in field_findings:
            for finding in ff.findings:
                item = items.get(finding.key)
                if item is None:
                    item = items[finding.key] = {
                        "finding": finding,
                        "fields": [],
                        "excerpts": [],
                        "ack": acks.get(finding.key) if finding.acknowledgeable else None,
                        "choices": [(c, CATEGORY_LABELS[c]) for c in ACKNOWLEDGEABLE],
                        "selected": (acks.get(finding.key) or {}).get("category") or finding.category,
                    }
                if ff.label not in item["fields"]:
                    item["fields"].append(ff.label)
                if len(item["excerpts"]) < 2:
                    item["excerpts"].append(_excerpt(ff.text, finding))
        rows = list(items.values())
        for i, row in enumerate(rows):
            row["index"] = i
            at = parse_datetime(str((row["ack"] or {}).get("at") or ""))
            row["ack_at"] = timezone.localtime(at) if at and timezone.is_aware(at) else at
        context["rows"] = rows
        context["count"] = len(rows)
        context["personal_count"] = sum(1 for r in rows if not r["finding"].acknowledgeable and r["finding"].blocks_without_acknowledgement)
        context["open_count"] = sum(1 for r in rows if r["finding"].acknowledgeable and not r["ack"])
        context["acknowledged"] = [r for r in rows if r["ack"]]
        context["default_category"] = INSTITUTIONAL
        return context
