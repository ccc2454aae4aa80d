"""Read-side queries for the public knowledge site and the admin reports.

Everything public goes through ``live().public()`` so that drafts, unpublished
and privacy-restricted pages can never leak onto a listing, feed or tag page.
"""

from __future__ import annotations

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page

from .models import (
    ArticleReviewFlag,
    Department,
    Policy,
    PolicyChange,
    PolicyTransitionGuidePage,
    SolutionArticlePage,
    TopicIndexPage,
)

DRAFT_FROM_CASE_ACTION = "knowledge.draft_from_case"


def public_articles() -> QuerySet[SolutionArticlePage]:
    return SolutionArticlePage.objects.live().public()


def public_guides() -> QuerySet[PolicyTransitionGuidePage]:
    return PolicyTransitionGuidePage.objects.live().public()


def _newest_first(qs):
    return qs.order_by("-first_published_at", "-pk")


def latest_articles(*, limit: int = 6) -> list[SolutionArticlePage]:
    return list(_newest_first(public_articles())[:limit])


def latest_guides(*, limit: int = 4) -> list[PolicyTransitionGuidePage]:
    return list(_newest_first(public_guides())[:limit])


def latest_content(*, limit: int = 20) -> list[Page]:
    """Newest articles and guides together, for the feeds."""
    items = list(_newest_first(public_articles())[:limit]) + list(
        _newest_first(public_guides())[:limit]
    )
    items.sort(key=lambda p: (p.first_published_at or timezone.now(), p.pk), reverse=True)
    return items[:limit]


def topics_with_counts() -> list[TopicIndexPage]:
    """Live topics, each with ``article_count`` and ``guide_count`` attributes."""
    topics = list(TopicIndexPage.objects.live().public().order_by("path"))
    articles = public_articles()
    guides = public_guides()
    for topic in topics:
        topic.article_count = articles.child_of(topic).count()
        topic.guide_count = guides.child_of(topic).count()
        topic.total_count = topic.article_count + topic.guide_count
    return topics


def topic_articles(topic: TopicIndexPage) -> QuerySet[SolutionArticlePage]:
    return _newest_first(public_articles().child_of(topic))


def topic_guides(topic: TopicIndexPage) -> list[PolicyTransitionGuidePage]:
    return list(_newest_first(public_guides().child_of(topic)))


def departments_with_counts() -> QuerySet[Department]:
    live = Q(articles__live=True)
    return Department.objects.select_related("district").annotate(
        article_count=Count("articles", filter=live, distinct=True),
        guide_count=Count("guides", filter=Q(guides__live=True), distinct=True),
    )


def department_articles(department: Department) -> QuerySet[SolutionArticlePage]:
    return _newest_first(public_articles().filter(departments=department))


def department_guides(department: Department) -> list[PolicyTransitionGuidePage]:
    return list(_newest_first(public_guides().filter(departments=department)))


def tag_articles(tag: Tag) -> QuerySet[SolutionArticlePage]:
    return _newest_first(public_articles().filter(tagged_items__tag=tag).distinct())


def tag_guides(tag: Tag) -> list[PolicyTransitionGuidePage]:
    return list(_newest_first(public_guides().filter(tagged_items__tag=tag).distinct()))


def public_policies(*, status: str = "") -> QuerySet[Policy]:
    """Policies for the public list: those in force first, then superseded, then
    expired; newest effective date first within each. ``status`` narrows to one."""
    order = Case(
        *(When(status=value, then=Value(i)) for i, value in enumerate(Policy.Status.values)),
        default=Value(len(Policy.Status.values)),
        output_field=IntegerField(),
    )
    qs = Policy.objects.select_related("superseded_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by(order, F("effective_date").desc(nulls_last=True), "title", "pk")


def policy_status_counts() -> dict[str, int]:
    rows = Policy.objects.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def policy_articles(policy: Policy) -> list[SolutionArticlePage]:
    """Published articles citing ``policy`` as their basis (政策依据)."""
    return list(_newest_first(public_articles().filter(policies=policy).distinct()))


def policy_guides(policy: Policy) -> list[PolicyTransitionGuidePage]:
    """Published transition guides from or to ``policy``."""
    return list(_newest_first(public_guides().filter(Q(old_policy=policy) | Q(new_policy=policy))))


def public_tags() -> QuerySet[Tag]:
    """Tags used by at least one live article or guide."""
    return (
        Tag.objects.filter(
            Q(knowledge_solutionarticletag_items__content_object__live=True)
            | Q(knowledge_policytransitionguidetag_items__content_object__live=True)
        )
        .distinct()
        .order_by("name")
    )


def review_overdue_pages(*, today=None) -> QuerySet[Page]:
    """Articles and guides whose ``review_due`` date has passed, or that carry an
    open review flag (from a case or a policy change). Drafts included: an
    editor must see everything that needs a look."""
    today = today or timezone.localdate()
    article_ids = SolutionArticlePage.objects.filter(review_due__lt=today).values("pk")
    guide_ids = PolicyTransitionGuidePage.objects.filter(review_due__lt=today).values("pk")
    flagged_ids = ArticleReviewFlag.objects.filter(resolved_at__isnull=True).values("page_id")
    return Page.objects.filter(Q(pk__in=article_ids) | Q(pk__in=guide_ids) | Q(pk__in=flagged_ids))


def open_flags_by_page(page_ids) -> dict[int, list[ArticleReviewFlag]]:
    flags: dict[int, list[ArticleReviewFlag]] = {}
    for flag in ArticleReviewFlag.objects.filter(page_id__in=list(page_ids), resolved_at__isnull=True):
        flags.setdefault(flag.page_id, []).append(flag)
    return flags


def policy_change_flags(change: PolicyChange) -> list[ArticleReviewFlag]:
    """What a registered change flagged, each with its page (specific, for titles and URLs)."""
    flags = list(change.flags.select_related("page").order_by("page__path"))
    pages = {p.pk: p for p in Page.objects.filter(pk__in=[f.page_id for f in flags]).specific()}
    for flag in flags:
        flag.page = pages.get(flag.page_id, flag.page)
    return flags


def open_review_flags(page) -> list[ArticleReviewFlag]:
    return list(ArticleReviewFlag.objects.filter(page_id=page.pk, resolved_at__isnull=True))


_FIELD_LABELS = {
    "title": "标题",
    "summary": "摘要",
    "problem": "常见问题描述",
    "applies_to": "适用对象",
}


def _field_label(name: str) -> str:
    """problem -> 常见问题描述; steps[2] -> 解决步骤第3段; materials[0].note -> 所需材料第1项·说明."""
    import re

    if name in _FIELD_LABELS:
        return _FIELD_LABELS[name]
    m = re.fullmatch(r"steps\[(\d+)\]", name)
    if m:
        return f"解决步骤第{int(m.group(1)) + 1}段"
    m = re.fullmatch(r"materials\[(\d+)\]\.(\w+)", name)
    if m:
        part = "名称" if m.group(2) == "name" else "说明"
        return f"所需材料第{int(m.group(1)) + 1}项·{part}"
    return name


def draft_from_case_log(page):
    """The log entry written when the page was drafted from a case, or None."""
    from wagtail.models import PageLogEntry

    return (
        PageLogEntry.objects.filter(page_id=page.pk, action=DRAFT_FROM_CASE_ACTION)
        .order_by("-timestamp", "-pk")
        .first()
    )


def article_editor_info(page) -> dict:
    """What the article's edit view shows above the fields; {} when there is nothing."""
    info: dict = {}
    entry = draft_from_case_log(page)
    if entry is not None:
        data = entry.data or {}
        info["draft_case"] = data.get("case", "")
        info["draft_created_at"] = entry.timestamp
        info["replacements"] = [
            {**r, "field_label": _field_label(r.get("field", ""))} for r in data.get("replacements", [])
        ]
    flags = open_review_flags(page)
    if flags:
        info["flags"] = flags
    count = getattr(page, "source_case_count", 0)
    if info or count:
        info["source_case_count"] = count
    return info


def cases_mentioning_policy_count(change: PolicyChange) -> int:
    """Cases opened on/after the change's effective date whose text cites the old policy.

    Counted on the fly (cases keep changing); the case desk is another app,
    loaded lazily so the knowledge base works on its own.
    """
    import datetime

    from django.apps import apps

    from .policy_change import PolicyRef, cases_mentioning_policy

    if not apps.is_installed("cases"):
        return 0
    Case = apps.get_model("cases", "Case")
    since = datetime.datetime.combine(change.effective_date, datetime.time.min)
    if timezone.is_naive(since):
        since = timezone.make_aware(since)
    rows = (
        (pk, created, "\n".join(filter(None, texts)))
        for pk, created, *texts in Case.objects.filter(created_at__gte=since).values_list(
            "pk", "created_at", "matter", "counter_failure_reason", "cited_rule", "guidance_answer"
        )
    )
    old = change.old_policy
    policy = PolicyRef(old.pk, old.title, old.document_number)
    return len(cases_mentioning_policy(policy, rows, since=change.effective_date))


def guide_editor_info(page) -> dict:
    info: dict = {}
    change = PolicyChange.objects.filter(guide_id=page.pk).select_related("old_policy", "new_policy").first()
    if change is not None:
        info["policy_change"] = change
        info["cases_after_change"] = cases_mentioning_policy_count(change)
        info["flagged_count"] = change.flags.count()
    flags = open_review_flags(page)
    if flags:
        info["flags"] = flags
    return info


def default_topic() -> TopicIndexPage | None:
    return TopicIndexPage.objects.order_by("path").first()


def topic_for(*, service_items=(), departments=()) -> TopicIndexPage | None:
    """The topic where articles on the same service item (else department) already live."""
    for field, values in (("service_items", service_items), ("departments", departments)):
        ids = [v.pk for v in values if v is not None]
        if not ids:
            continue
        article = (
            SolutionArticlePage.objects.filter(**{f"{field}__in": ids}).order_by("-live", "path").first()
        )
        if article is not None:
            parent = article.get_parent().specific
            if isinstance(parent, TopicIndexPage):
                return parent
    return default_topic()


def review_due_expression():
    """``review_due`` of an article or guide, usable on a plain Page queryset."""
    return Coalesce(
        Subquery(SolutionArticlePage.objects.filter(pk=OuterRef("pk")).values("review_due")[:1]),
        Subquery(PolicyTransitionGuidePage.objects.filter(pk=OuterRef("pk")).values("review_due")[:1]),
    )
