"""The de-identification publish guard (issue 5).

"Publishing is refused with a clear message if any page field still contains
a pattern of personal data." Two layers, both built on
``kernel.personal_data.find_personal_data``:

1. ``PersonalDataGuardedPageForm`` — a ``base_form_class`` for pages built
   from cases (SolutionArticlePage, PolicyTransitionGuidePage). When the
   editor publishes, submits to moderation or approves a workflow step, each
   offending field gets its own error ("页面仍含有个人信息（手机号）…"), the form
   is invalid and nothing is saved. Saving a draft is allowed: the editor may
   still be removing things.
2. ``guard_before_publish_page`` — a ``before_publish_page`` hook function that
   re-checks the whole page, including inline children (materials), and
   stops the publish with an error message.

Wiring (owner of knowledge/models.py and knowledge/wagtail_hooks.py):
    base_form_class = PersonalDataGuardedPageForm           # on both page models
    hooks.register("before_publish_page", guard_before_publish_page)
A workflow approved from the dashboard (not from the edit form) publishes
without either path; ``personal_data_in_page`` is what a custom workflow task
or the approval view should call (see the integration notes in the report).
"""

from __future__ import annotations

import html
import logging

from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm

from kernel.personal_data import KIND_LABELS, find_personal_data

logger = logging.getLogger(__name__)

__all__ = [
    "text_of",
    "personal_data_in_page",
    "publish_refusal_message",
    "PersonalDataGuardedPageForm",
    "guard_before_publish_page",
]

# Wagtail bookkeeping, never typed by an editor.
_SKIP_FIELDS = {"path", "url_path", "draft_title", "translation_key", "content_type", "locale"}
GUARDED_ACTIONS = ("action-publish", "action-submit", "action-restart-workflow")


def text_of(value) -> str:
    """Plain text of a field value: strings, rich text HTML, StreamField values, lists."""
    if value is None:
        return ""
    if isinstance(value, str):
        return html.unescape(strip_tags(value)) if "<" in value else value
    raw = getattr(value, "raw_data", None)  # StreamValue
    if raw is not None:
        return text_of(list(raw))
    source = getattr(value, "source", None)  # RichText
    if isinstance(source, str):
        return text_of(source)
    if isinstance(value, dict):
        return "\n".join(text_of(v) for k, v in value.items() if k not in ("id", "type"))
    if isinstance(value, (list, tuple)):
        return "\n".join(text_of(v) for v in value)
    return ""


def _text_fields(model) -> list[models.Field]:
    from wagtail.fields import RichTextField, StreamField

    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in _SKIP_FIELDS
        and getattr(f, "editable", True)
        and isinstance(f, (models.CharField, models.TextField, RichTextField, StreamField))
    ]


def personal_data_in_page(page) -> dict[str, list[str]]:
    """{field verbose name: [kinds]} for every field (and inline child field) with personal data."""
    page = getattr(page, "specific", page)
    findings: dict[str, list[str]] = {}
    for f in _text_fields(type(page)):
        kinds = find_personal_data(text_of(getattr(page, f.attname, None)))
        if kinds:
            findings[str(f.verbose_name)] = kinds
    # Inline children (e.g. RequiredMaterial via InlinePanel), in memory when unsaved.
    for relation in getattr(type(page), "_meta").related_objects:
        if not isinstance(relation.field, ParentalKey):
            continue
        accessor = relation.get_accessor_name()
        try:
            children = list(getattr(page, accessor).all())
        except Exception:  # noqa: BLE001 - an unusual relation must not break publishing checks
            continue
        for child in children:
            for f in _text_fields(type(child)):
                kinds = find_personal_data(text_of(getattr(child, f.attname, None)))
                if kinds:
                    label = f"{relation.related_model._meta.verbose_name}·{f.verbose_name}"
                    findings.setdefault(label, [])
                    findings[label] = sorted(set(findings[label]) | set(kinds))
    return findings


def publish_refusal_message(findings: dict[str, list[str]]) -> str:
    parts = "；".join(
        f"{field}：{'、'.join(KIND_LABELS.get(k, k) for k in kinds)}" for field, kinds in findings.items()
    )
    return str(_("不能发布：页面仍含有个人信息（%(parts)s）。请删除或替换为“申请人”“【手机号】”等占位词后再发布。")
               % {"parts": parts})


class PersonalDataGuardedPageForm(WagtailAdminPageForm):
    """Refuses publish / submit / approve while any text field holds personal data."""

    def _guarded(self) -> bool:
        data = self.data or {}
        if any(a in data for a in GUARDED_ACTIONS):
            return True
        # Approving a workflow step from the edit view publishes (or moves it on).
        return "action-workflow-action" in data and data.get("workflow-action-name", "") != "reject"

    def clean(self):
        cleaned = super().clean()
        if not self._guarded():
            return cleaned
        for name, value in list(cleaned.items()):
            field = self.fields.get(name)
            if field is None:
                continue
            kinds = find_personal_data(text_of(value))
            if kinds:
                labels = "、".join(KIND_LABELS.get(k, k) for k in kinds)
                self.add_error(
                    name,
                    _("此处仍含有个人信息（%(kinds)s），发布前请删除或替换为占位词。") % {"kinds": labels},
                )
        return cleaned


def guard_before_publish_page(request, page):
    """``before_publish_page`` hook: stop the publish and go back to the editor."""
    from django.contrib import messages
    from django.shortcuts import redirect

    findings = personal_data_in_page(page)
    if not findings:
        return None
    logger.info("publish refused for page %s: personal data in %d field(s)", page.pk, len(findings))
    messages.error(request, publish_refusal_message(findings))
    return redirect("wagtailadmin_pages:edit", page.pk)


class PersonalDataPublishRefused(Exception):
    """Raised by ``Page.publish`` on guarded pages; ``knowledge.middleware`` turns
    it into a Chinese error message and a redirect to the editor."""

    def __init__(self, page_id, message: str):
        super().__init__(message)
        self.page_id = page_id
        self.message = message


class PersonalDataGuardedPublishMixin:
    """Closes every publish path, not only the edit form.

    Workflow approval from the dashboard, bulk publish and scheduled publishing
    all end in ``Page.publish(revision)``; checking the revision's content here
    means no path can make personal data public. The exception propagates
    through Wagtail's ``transaction.atomic`` approval, so the approval itself
    is rolled back as well (nothing half-done).
    """

    def publish(self, revision, *args, **kwargs):
        findings = personal_data_in_page(revision.as_object())
        if findings:
            logger.info("publish refused for page %s: personal data in %d field(s)", self.pk, len(findings))
            raise PersonalDataPublishRefused(self.pk, publish_refusal_message(findings))
        return super().publish(revision, *args, **kwargs)
