"""并单 and the links between cases and guidance articles (KCS link / flag / draft).

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseMerge,
    Dispatch,
    TimelineEntry,
)
from cases.services.base import (
    _log,
    _save_case,
    _locked,
)
from cases.services.notes import case_message_reporter


@transaction.atomic
def case_merge(*, primary: Case, duplicate: Case, author, reason: str) -> "CaseMerge":
    """并单: close ``duplicate`` into ``primary``; both timelines are kept, nothing is deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("并单必须写明理由。")})
    if primary.pk == duplicate.pk:
        raise ValidationError(_("不能把案件并入它自己。"))
    primary, duplicate = _locked(primary), _locked(duplicate)
    if CaseMerge.objects.filter(merged=duplicate).exists():
        raise ValidationError(_("该案件已并入其他案件。"))
    if CaseMerge.objects.filter(merged=primary).exists():
        raise ValidationError(_("主案件本身已并入其他案件，请并入最终的主案件。"))
    if not primary.is_open or not duplicate.is_open:
        raise ValidationError(_("已办结的案件不能并单。"))
    merge = CaseMerge(primary=primary, merged=duplicate, reason=reason, author=author)
    merge.full_clean()
    merge.save()
    duplicate.status = Case.Status.CLOSED
    duplicate.outcome = Case.Outcome.REFERRED
    duplicate.referred_to = primary.tracking_number
    duplicate.referral_reason = reason
    duplicate.resolution_summary = _("与案件 %(no)s 合并办理。") % {"no": primary.tracking_number}
    duplicate.closed_at = timezone.now()
    _save_case(
        duplicate,
        ["status", "outcome", "referred_to", "referral_reason", "resolution_summary", "closed_at"],
    )
    _log(primary, TimelineEntry.Kind.MERGE, author,
         _("并入案件 %(no)s，理由：%(r)s") % {"no": duplicate.tracking_number, "r": reason})
    _log(duplicate, TimelineEntry.Kind.MERGE, author,
         _("已并入案件 %(no)s，理由：%(r)s") % {"no": primary.tracking_number, "r": reason})
    # Tracking numbers only: the duplicate's reporter never sees the other reporter's data.
    _log(duplicate, TimelineEntry.Kind.MESSAGE_TO_REPORTER, author,
         _("您反映的事项与同类反映合并办理，请继续关注办理进度。"), visible=True)
    _save_case(primary, [])
    return merge


@transaction.atomic
def case_register_into(*, primary: Case, author, reason: str, **intake) -> Case:
    """并单 at the counter: a repeat report is registered (its own tracking number, so the
    reporter can follow it) and merged into the open case ``primary`` in one transaction,
    so a refused merge leaves no half-done registration behind."""
    from cases.services.intake import case_register

    if not primary.is_open:
        raise ValidationError(_("案件 %(no)s 已办结，不能并单。") % {"no": primary.tracking_number})
    case = case_register(author=author, **intake)
    case_merge(primary=primary, duplicate=case, author=author, reason=reason)
    case.refresh_from_db()
    return case


def _guidance_page(page):
    from knowledge.models import PolicyTransitionGuidePage, SolutionArticlePage

    page = page.specific
    if not isinstance(page, (SolutionArticlePage, PolicyTransitionGuidePage)):
        raise ValidationError(_("只能关联办事指引或政策衔接指引。"))
    return page


def _counts_as_resolved(relation: str) -> bool:
    from cases.models import CaseArticleLink

    return relation in (CaseArticleLink.Relation.RESOLVED_BY, CaseArticleLink.Relation.DRAFTED_FROM)


@transaction.atomic
def case_link_article(*, case: Case, page, author, relation: str = "resolved_by") -> "CaseArticleLink":
    """KCS "link it": record that an article resolved (or was quoted to / drafted from) a case.

    Idempotent; the article's public case count goes up once per case it resolved.
    """
    from knowledge.models import SolutionArticlePage
    from knowledge.services import article_source_count_add

    from cases.models import CaseArticleLink

    page = _guidance_page(page)
    if relation != CaseArticleLink.Relation.DRAFTED_FROM and not page.live:
        raise ValidationError(_("只能关联已发布的指引。"))
    existing = CaseArticleLink.objects.filter(case=case, page=page, relation=relation).first()
    if existing:
        return existing
    counted_before = CaseArticleLink.objects.filter(
        case=case, page=page, relation__in=["resolved_by", "drafted_from"]
    ).exists()
    link = CaseArticleLink(case=case, page=page, relation=relation, created_by=author)
    link.full_clean()
    link.save()
    if _counts_as_resolved(relation) and not counted_before and isinstance(page, SolutionArticlePage):
        article_source_count_add(page=page, delta=1)
    _log(case, TimelineEntry.Kind.ARTICLE, author,
         _("关联办事指引《%(t)s》：%(r)s") % {"t": page.title, "r": link.get_relation_display()})
    return link


def _step_lines(page) -> list[str]:
    from django.utils.html import strip_tags

    lines = []
    for block in getattr(page, "steps", None) or []:
        value = block.value
        if block.block_type == "step":
            title = (value.get("title") or "").strip()
            body = strip_tags(str(value.get("body") or "")).strip()
            where = (value.get("where") or "").strip()
            line = f"{title}：{body}" if body else title
            if where:
                line += f"（{where}）"
        else:
            line = strip_tags(str(value)).strip()
        if line:
            lines.append(line)
    return [f"{i}. {line}" for i, line in enumerate(lines, start=1)]


@transaction.atomic
def case_quote_article_steps(*, case: Case, page, author) -> TimelineEntry:
    """Quote an article's steps into a message the reporter reads on the status page."""
    from cases.models import CaseArticleLink

    page = _guidance_page(page)
    if not page.live:
        raise ValidationError(_("只能关联已发布的指引。"))
    lines = _step_lines(page)
    text = _("办理指引《%(t)s》：") % {"t": page.title}
    text = "\n".join([text, *lines]) if lines else text + (page.url or "")
    entry = case_message_reporter(case=case, author=author, text=text)
    case_link_article(case=case, page=page, author=author, relation=CaseArticleLink.Relation.QUOTED)
    return entry


@transaction.atomic
def case_flag_article(*, case: Case, page, author, reason: str):
    """KCS "flag it": the article needs review; the editors see the case's tracking number."""
    from knowledge.models import ArticleReviewFlag
    from knowledge.services import article_flag

    flag = article_flag(
        page=page, author=author, reason=reason, source=ArticleReviewFlag.Source.CASE,
        case_reference=case.tracking_number or "",
    )
    _log(case, TimelineEntry.Kind.ARTICLE, author,
         _("标记办事指引《%(t)s》需复核：%(r)s") % {"t": flag.page.title, "r": flag.reason})
    return flag


@transaction.atomic
def _draft_policies(case: Case) -> list:
    """政策依据 from the case's links: the policies cited by name or 文号 in what the case
    says, those of the articles linked to it, and the policies of its service item that
    are still in force (a superseded one is not the basis of today's answer)."""
    from knowledge.models import Policy, SolutionArticlePage

    text = " ".join([case.cited_rule, case.guidance_answer, case.resolution_summary, case.alternative_path])
    cited = [
        p for p in Policy.objects.exclude(document_number="")
        if p.document_number in text or (len(p.title) >= 6 and p.title in text)
    ]
    article_ids = case.article_links.values_list("page_id", flat=True)
    linked = list(Policy.objects.filter(articles__in=SolutionArticlePage.objects.filter(pk__in=article_ids)))
    own = list(case.service_item.policies.filter(status=Policy.Status.CURRENT)) if case.service_item_id else []
    return list(dict.fromkeys(cited + linked + own))


def _topic_of_resolving_article(case: Case):
    """The topic of a live guide already marked as having solved the case, if any.

    Without a service item or a department the draft fell back to the first topic, so a
    parking question went live under 企业开办与变更 beside the guide that solved it elsewhere.
    """
    from knowledge.models import TopicIndexPage

    from cases.models import CaseArticleLink

    link = (
        case.article_links.filter(relation=CaseArticleLink.Relation.RESOLVED_BY, page__live=True)
        .select_related("page").order_by("id").first()
    )
    parent = link.page.get_parent().specific if link else None
    return parent if isinstance(parent, TopicIndexPage) else None


def article_draft_from_case(*, case: Case, author):
    """起草办事指引: a de-identified draft article built from a closed case; it stays with
    its editor (not submitted) until they have finished it."""
    from knowledge.case_drafts import CaseForDraft, DraftMaterial, draft_from_case
    from knowledge.services import article_draft_from_case_data

    from cases.models import CaseArticleLink

    if case.status not in (Case.Status.CLOSED, Case.Status.ARCHIVED):
        raise ValidationError(_("案件办结后才能起草办事指引。"))
    dispatches = list(case.dispatches.select_related("department").order_by("role", "id"))
    departments = list(dict.fromkeys(d.department for d in dispatches if d.status != Dispatch.Status.REASSIGNED))
    materials = [
        DraftMaterial(name=m.name, can_supply_later=True, supply_method=m.get_supply_method_display())
        for m in case.materials.all()
    ]
    policies = _draft_policies(case)
    draft = draft_from_case(
        CaseForDraft(
            matter=case.matter,
            resolution_summary=case.resolution_summary,
            service_item=case.service_item.name if case.service_item_id else "",
            classification=case.get_classification_display(),
            counter_failure_reason=case.counter_failure_reason,
            alternative_path=case.alternative_path,
            guidance_answer=case.guidance_answer,
            cited_rule=case.cited_rule,
            department_replies=[(d.department.name, d.reply) for d in dispatches if d.reply],
            departments=[d.name for d in departments],
            policies=[str(p) for p in policies],
            materials=materials,
            known_names=[n for n in (case.reporter_name, case.enterprise_name) if n],
        )
    )
    page = article_draft_from_case_data(
        draft=draft,
        author=author,
        case_reference=case.tracking_number or "",
        topic=_topic_of_resolving_article(case),
        service_items=[case.service_item] if case.service_item_id else [],
        departments=departments,
        policies=policies,
        districts=[case.district],
    )
    case_link_article(case=case, page=page, author=author, relation=CaseArticleLink.Relation.DRAFTED_FROM)
    _log(case, TimelineEntry.Kind.ARTICLE, author, _("起草办事指引草稿《%(t)s》，由编辑完善后提交审核。") % {"t": page.title})
    return page
