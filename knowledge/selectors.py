"""Read-side queries for the public knowledge site and the admin reports.

Everything public goes through ``live().public()`` so that drafts, unpublished
and privacy-restricted pages can never leak onto a listing, feed or tag page.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page

from .models import (
    Department,
    PolicyTransitionGuidePage,
    SolutionArticlePage,
    TopicIndexPage,
)


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


def topic_articles(topic: TopicIndexPage) -> list[SolutionArticlePage]:
    return list(_newest_first(public_articles().child_of(topic)))


def topic_guides(topic: TopicIndexPage) -> list[PolicyTransitionGuidePage]:
    return list(_newest_first(public_guides().child_of(topic)))


def departments_with_counts() -> QuerySet[Department]:
    live = Q(articles__live=True)
    return Department.objects.select_related("district").annotate(
        article_count=Count("articles", filter=live, distinct=True),
        guide_count=Count("guides", filter=Q(guides__live=True), distinct=True),
    )


def department_articles(department: Department) -> list[SolutionArticlePage]:
    return list(_newest_first(public_articles().filter(departments=department)))


def department_guides(department: Department) -> list[PolicyTransitionGuidePage]:
    return list(_newest_first(public_guides().filter(departments=department)))


def tag_articles(tag: Tag) -> list[SolutionArticlePage]:
    return list(_newest_first(public_articles().filter(tagged_items__tag=tag).distinct()))


def tag_guides(tag: Tag) -> list[PolicyTransitionGuidePage]:
    return list(_newest_first(public_guides().filter(tagged_items__tag=tag).distinct()))


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
    """Articles and guides whose ``review_due`` date has passed (drafts included:
    an editor must see everything that needs a look)."""
    today = today or timezone.localdate()
    article_ids = SolutionArticlePage.objects.filter(review_due__lt=today).values("pk")
    guide_ids = PolicyTransitionGuidePage.objects.filter(review_due__lt=today).values("pk")
    return Page.objects.filter(Q(pk__in=article_ids) | Q(pk__in=guide_ids))


def review_due_expression():
    """``review_due`` of an article or guide, usable on a plain Page queryset."""
    return Coalesce(
        Subquery(SolutionArticlePage.objects.filter(pk=OuterRef("pk")).values("review_due")[:1]),
        Subquery(PolicyTransitionGuidePage.objects.filter(pk=OuterRef("pk")).values("review_due")[:1]),
    )
