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
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm

from kernel.personal_data import KIND_LABELS

from .contact_points import ACKNOWLEDGEABLE, PERSONAL, Finding, RegisteredContacts, classify

logger = logging.getLogger(__name__)

__all__ = [
    "FieldFindings",
    "page_findings",
    "blocking_findings",
    "is_case_drawn",
    "registered_contacts",
    "acknowledged_keys",
    "text_of",
    "personal_data_in_page",
    "publish_refusal_message",
    "PersonalDataGuardedPageForm",
    "guard_before_publish_page",
]

# Wagtail bookkeeping, never typed by an editor.
_SKIP_FIELDS = {
    "path", "url_path", "draft_title", "translation_key", "content_type", "locale", "public_info_acknowledgements",
}
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


@dataclass
class FieldFindings:
    """What the guard found in one field of a page (or of an inline child such as a material)."""

    label: str
    text: str
    findings: list[Finding] = field(default_factory=list)


def is_case_drawn(page) -> bool:
    """Drafted from a case by 起草办事指引: every finding there is the reporter's and must go."""
    from wagtail.models import PageLogEntry

    from .selectors import DRAFT_FROM_CASE_ACTION  # selectors import the page models

    pk = getattr(page, "pk", None)
    return bool(pk) and PageLogEntry.objects.filter(page_id=pk, action=DRAFT_FROM_CASE_ACTION).exists()


def registered_contacts() -> RegisteredContacts:
    """Phones and addresses on Department snippets: public contact points registered by an administrator."""
    Department = apps.get_model("knowledge", "Department")
    rows = list(Department.objects.values_list("contact_phone", "office_address"))
    return RegisteredContacts(phones=[p for p, _ in rows], addresses=[a for _, a in rows])


def acknowledged_keys(page) -> set[str]:
    """Findings an editor confirmed as public, with a reason, on this revision of the page."""
    entries = getattr(page, "public_info_acknowledgements", None) or []
    return {
        str(e.get("key"))
        for e in entries
        if isinstance(e, dict) and e.get("category") in ACKNOWLEDGEABLE and str(e.get("reason") or "").strip()
    }


def page_findings(page, *, case_drawn: bool | None = None, registered: RegisteredContacts | None = None) -> list[FieldFindings]:
    """Every text field (and inline child field) of ``page`` with classified findings."""
    page = getattr(page, "specific", page)
    if case_drawn is None:
        case_drawn = is_case_drawn(page)
    if registered is None:
        registered = registered_contacts()
    out: list[FieldFindings] = []
    for f in _text_fields(type(page)):
        text = text_of(getattr(page, f.attname, None))
        found = classify(text, case_drawn=case_drawn, registered=registered)
        if found:
            out.append(FieldFindings(str(f.verbose_name), text, found))
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
                text = text_of(getattr(child, f.attname, None))
                found = classify(text, case_drawn=case_drawn, registered=registered)
                if found:
                    label = f"{relation.related_model._meta.verbose_name}·{f.verbose_name}"
                    out.append(FieldFindings(label, text, found))
    return out


def blocking_findings(field_findings: list[FieldFindings], acknowledged: set[str]) -> dict[str, list[Finding]]:
    """{field label: findings that stop publishing}: personal data, and public information nobody confirmed."""
    blocking: dict[str, list[Finding]] = {}
    for ff in field_findings:
        for finding in ff.findings:
            if finding.category == PERSONAL or (finding.acknowledgeable and finding.key not in acknowledged):
                blocking.setdefault(ff.label, []).append(finding)
    return blocking


def personal_data_in_page(page) -> dict[str, list[str]]:
    """{field verbose name: [kinds]} for every field (and inline child field) that stops publishing."""
    page = getattr(page, "specific", page)
    blocking = blocking_findings(page_findings(page), acknowledged_keys(page))
    return {label: sorted({f.kind for f in found}) for label, found in blocking.items()}


def publish_refusal_message(findings: dict[str, list[str]]) -> str:
    parts = "；".join(
        f"{field}：{'、'.join(KIND_LABELS.get(k, k) for k in kinds)}" for field, kinds in findings.items()
    )
    return str(
        _("不能发布：页面仍含有个人信息（%(parts)s）。请删除或替换为“申请人”“【手机号】”等占位词；"
          "若是机构公开的联系方式，请在“公开信息核查”中逐项确认后再发布。")
        % {"parts": parts}
    )


class PersonalDataGuardedPageForm(WagtailAdminPageForm):
    """Refuses publish / submit / approve while any text field holds personal data.

    Public contact information (``contact_points``) is listed in the 公开信息核查 panel and
    passes once the editor confirms it there, except on a page drafted from a case.
    """

    ACK_FIELD = "public_info_acknowledgements"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.ACK_FIELD)
        if field is not None:
            field.required = False
            field.widget.page = self.instance
            field.widget.findings_for = page_findings

    def clean_public_info_acknowledgements(self):
        from .acknowledgements import merge_submitted

        submitted = self.cleaned_data.get(self.ACK_FIELD) or []
        previous = getattr(self.instance, self.ACK_FIELD, None) or []
        if submitted and is_case_drawn(self.instance):
            raise ValidationError(
                _("本页由案件起草，其中的电话、姓名和地址都按个人信息处理，不能确认为公开信息；请删除或替换为占位词。")
            )
        user = getattr(self.for_user, "get_username", lambda: "")()
        entries, errors = merge_submitted(submitted, previous, user=user)
        if errors:
            raise ValidationError(errors)
        return entries

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
        if "public_info_acknowledgements" in self.fields:
            acknowledged = acknowledged_keys(_Acks(cleaned.get("public_info_acknowledgements")))
        else:
            acknowledged = acknowledged_keys(self.instance)
        case_drawn = is_case_drawn(self.instance)
        registered = registered_contacts()
        for name, value in list(cleaned.items()):
            field = self.fields.get(name)
            if field is None or name == "public_info_acknowledgements":
                continue
            found = classify(text_of(value), case_drawn=case_drawn, registered=registered)
            personal = sorted({f.kind for f in found if f.category == PERSONAL})
            unconfirmed = [f for f in found if f.acknowledgeable and f.key not in acknowledged]
            if personal:
                labels = "、".join(KIND_LABELS.get(k, k) for k in personal)
                self.add_error(
                    name,
                    _("此处仍含有个人信息（%(kinds)s），发布前请删除或替换为占位词。") % {"kinds": labels},
                )
            elif unconfirmed:
                items = "、".join(dict.fromkeys(f"{f.kind_label} {f.text}" for f in unconfirmed))
                self.add_error(
                    name,
                    _("此处有尚未确认的公开信息（%(items)s），请在“公开信息核查”中逐项确认后再发布。") % {"items": items},
                )
        return cleaned


class _Acks:
    def __init__(self, entries):
        self.public_info_acknowledgements = entries if isinstance(entries, list) else []


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
