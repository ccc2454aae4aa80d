"""Write-side operations of the knowledge app."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from kernel.ratelimit import Limit, opaque_key, subscriber_address
from kernel.text import plain_text

from . import selectors
from .forms import COMMENT_MAX_LENGTH
from .models import (
    ArticleFeedback,
    ArticleReviewFlag,
    Department,
    Policy,
    PolicyChange,
    PolicyTransitionGuidePage,
    RequiredMaterial,
    SolutionArticlePage,
    TopicIndexPage,
)

logger = logging.getLogger(__name__)

FEEDBACK_RATE_LIMIT = 5  # submissions per client, page and window
FEEDBACK_RATE_WINDOW = 10 * 60  # seconds
# Per page, and over all pages together (a script walking every article).
FEEDBACK_PAGE_LIMIT = Limit("feedback_page", FEEDBACK_RATE_LIMIT, FEEDBACK_RATE_WINDOW)
FEEDBACK_SITE_LIMIT = Limit("feedback", 30, 3600)


def feedback_client_key(address: str) -> str:
    """Today's opaque marker for a reader's address: their votes on a page count once (learned
    search ranking, ``knowledge.search_signals``), without storing or linking anyone across days."""
    return opaque_key("feedback-vote", subscriber_address(address), timezone.localdate().isoformat())[:16]


@transaction.atomic
def feedback_create(*, page: Page, helpful: bool, comment: str, client_key: str) -> ArticleFeedback:
    """Store one reader's feedback on ``page``.

    The comment is stored as typed (``kernel.text.plain_text``; pages escape it).
    Raises ValidationError (Chinese message) for an over-long comment or too many
    submissions; nothing is saved then.
    """
    comment = plain_text(comment)
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            _("意见最多 %(limit)d 个字，您输入了 %(count)d 个字。")
            % {"limit": COMMENT_MAX_LENGTH, "count": len(comment)}
        )
    # client_key is kernel.ratelimit.client_address(request): the configured proxy
    # header's address, so a new User-Agent or cookie buys no fresh quota.
    client_key = subscriber_address(client_key)  # an IPv6 client by its /64: rotating within it buys nothing
    if FEEDBACK_PAGE_LIMIT.exceeded(f"{client_key}:{page.pk}") or FEEDBACK_SITE_LIMIT.exceeded(client_key):
        logger.info("feedback rate limit hit on page %s", page.pk)
        raise ValidationError(_("提交过于频繁，请稍后再试。"))

    feedback = ArticleFeedback(
        page=page, helpful=bool(helpful), comment=comment, client=feedback_client_key(client_key)
    )
    feedback.full_clean()
    feedback.save()
    logger.info("feedback stored on page %s (helpful=%s)", page.pk, feedback.helpful)
    return feedback


# --- Issue 5: review flags, policy changes, articles from cases ---------------


def _clip(text: str, limit: int) -> str:
    text = plain_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def article_flag(
    *,
    page: Page,
    author,
    reason: str,
    source: str = ArticleReviewFlag.Source.CASE,
    case_reference: str = "",
    policy_change: PolicyChange | None = None,
) -> ArticleReviewFlag:
    """KCS "flag it": put an article or guide on the 待复核指引 list with the reason."""
    page = page.specific if isinstance(page, Page) else page
    if not isinstance(page, (SolutionArticlePage, PolicyTransitionGuidePage)):
        raise ValidationError(_("只能标记办事指引或政策衔接指引。"))
    reason = plain_text(reason)
    if not reason:
        raise ValidationError({"reason": _("请写明需要复核的原因。")})
    flag = ArticleReviewFlag(
        page=page,
        source=source,
        reason=reason,
        case_reference=(case_reference or "")[:30],
        policy_change=policy_change,
        created_by=author,
    )
    flag.full_clean()
    flag.save()
    logger.info("review flag %s on page %s (%s)", flag.pk, page.pk, source)
    return flag


@transaction.atomic
def article_flags_resolve(*, page: Page, author, before=None) -> int:
    """Close the open flags raised before ``before`` (the published revision's time):
    publishing a reviewed version is how a flag gets fixed."""
    flags = ArticleReviewFlag.objects.filter(page_id=page.pk, resolved_at__isnull=True)
    if before is not None:
        flags = flags.filter(created_at__lte=before)
    return flags.update(resolved_at=timezone.now(), resolved_by=author)


@transaction.atomic
def article_source_count_add(*, page: SolutionArticlePage, delta: int = 1) -> int:
    """Count one more (or fewer) case resolved by an article: the number only, never who.

    Incremental, so counts carried over from historical ledgers stay. A direct
    column update: the count is not editorial content and must not create a
    revision (``with_content_json`` keeps it across publishes).
    """
    from django.db.models import F
    from django.db.models.functions import Greatest

    from kernel.content_version import bump_content_version

    SolutionArticlePage.objects.filter(pk=page.pk).update(
        source_case_count=Greatest(F("source_case_count") + int(delta), 0)
    )
    # A column update sends no publish signal: tell the page cache the public page changed.
    bump_content_version()
    return SolutionArticlePage.objects.values_list("source_case_count", flat=True).get(pk=page.pk)


def _content_refs():
    """Every live article and guide as a ``ContentRef`` for change matching."""
    from .policy_change import ContentRef
    from .publish_guard import text_of

    refs, pages = [], {}
    articles = SolutionArticlePage.objects.live().prefetch_related("policies", "service_items", "tags")
    for page in articles:
        text = "\n".join(text_of(v) for v in (page.title, page.summary, page.problem, page.applies_to, page.steps))
        refs.append(
            ContentRef(
                id=page.pk,
                title=page.title,
                policy_ids=frozenset(p.pk for p in page.policies.all()),
                service_item_ids=frozenset(i.pk for i in page.service_items.all()),
                tags=frozenset(t.name for t in page.tags.all()),
                text=text,
            )
        )
        pages[page.pk] = page
    guides = PolicyTransitionGuidePage.objects.live().prefetch_related("service_items", "tags")
    for page in guides:
        text = "\n".join(
            text_of(v)
            for v in (page.title, page.summary, page.what_changed, page.transition_arrangements,
                      page.gap_guidance, page.faq)
        )
        refs.append(
            ContentRef(
                id=page.pk,
                title=page.title,
                policy_ids=frozenset(p for p in (page.old_policy_id, page.new_policy_id) if p),
                service_item_ids=frozenset(i.pk for i in page.service_items.all()),
                tags=frozenset(t.name for t in page.tags.all()),
                text=text,
            )
        )
        pages[page.pk] = page
    return refs, pages


def _unique_child_slug(parent: Page, base: str) -> str:
    # One query for every taken variant, not one per try: drafts of the same kind of case
    # share a title, and the tenth would otherwise ask ten times.
    taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _start_workflow(page: Page, author) -> None:
    workflow = page.get_workflow()
    if workflow is not None:
        workflow.start(page, author)
    else:
        logger.warning("no workflow covers page %s; draft left unsubmitted", page.pk)


@transaction.atomic
def policy_create(
    *,
    title: str,
    issuing_body: str,
    author,
    document_number: str = "",
    effective_date=None,
    summary: str = "",
    url: str = "",
    service_items=(),
) -> Policy:
    """Add a 政策文件 (a liaison registering a change whose new policy is not on file yet)."""
    from wagtail.log_actions import log

    policy = Policy(
        title=plain_text(title, single_line=True),
        issuing_body=plain_text(issuing_body, single_line=True),
        document_number=plain_text(document_number, single_line=True),
        effective_date=effective_date,
        summary=plain_text(summary),
        url=plain_text(url, single_line=True),
    )
    policy.full_clean()
    policy.save()
    policy.service_items.set(list(service_items))
    log(instance=policy, action="wagtail.create", user=author)
    return policy


def _supersede(change: PolicyChange, *, author=None) -> bool:
    """Mark the change's old policy 已被替代 by its new one. Returns whether anything changed."""
    from wagtail.log_actions import log

    old_policy = Policy.objects.select_for_update().get(pk=change.old_policy_id)
    expiry = old_policy.expiry_date
    if expiry is None or expiry > change.effective_date:
        expiry = change.effective_date
    if (old_policy.status, old_policy.superseded_by_id, old_policy.expiry_date) == (
        Policy.Status.SUPERSEDED, change.new_policy_id, expiry
    ):
        return False
    old_policy.status = Policy.Status.SUPERSEDED
    old_policy.superseded_by_id = change.new_policy_id
    old_policy.expiry_date = expiry
    old_policy.full_clean()
    old_policy.save(update_fields=["status", "superseded_by", "expiry_date"])
    log(instance=old_policy, action="wagtail.edit", user=author,
        data={"superseded_by": change.new_policy_id, "policy_change": change.pk})
    return True


@transaction.atomic
def policy_changes_apply_due(*, today=None) -> list[PolicyChange]:
    """The scheduled side of a policy change: on the new policy's effective date the old
    one becomes 已被替代 (never earlier: until then it is still the rule readers follow).

    Idempotent; run daily (``manage.py apply_policy_changes``). Returns the changes applied.
    """
    today = today or timezone.localdate()
    applied = []
    due = (
        PolicyChange.objects.filter(effective_date__lte=today)
        .select_related("old_policy")
        .order_by("effective_date", "pk")
    )
    for change in due:
        # A later change of the same old policy wins; applying in date order gives that.
        if _supersede(change, author=change.registered_by):
            applied.append(change)
    if applied:
        logger.info("policy changes applied on %s: %s", today, [c.pk for c in applied])
    return applied


def _guide_topic(*, old_policy: Policy, flagged, service_items) -> TopicIndexPage | None:
    """Where the drafted guide belongs: the topic holding most of the affected content.

    Each flagged page counts once, twice more when it cites the old policy (an article
    through its 政策依据, an earlier guide as its old or new policy), once more when it is
    about the change's or the old policy's service items.
    """
    item_ids = {i.pk for i in service_items} | set(old_policy.service_items.values_list("pk", flat=True))
    scores: dict[int, int] = {}
    order: dict[int, int] = {}
    for page in flagged:
        if isinstance(page, SolutionArticlePage):
            cites = old_policy.pk in {p.pk for p in page.policies.all()}
        elif isinstance(page, PolicyTransitionGuidePage):
            cites = old_policy.pk in (page.old_policy_id, page.new_policy_id)
        else:
            continue
        score = 1 + (2 if cites else 0) + (1 if item_ids & {i.pk for i in page.service_items.all()} else 0)
        parent_id = page.get_parent().pk
        scores[parent_id] = scores.get(parent_id, 0) + score
        order.setdefault(parent_id, len(order))
    if scores:
        topics = TopicIndexPage.objects.in_bulk(list(scores))

        def words_shared(pk):
            # A topic named for what the policy regulates weighs more (企业注销 for a 简易注销
            # policy rather than 企业开办与变更, where an article citing it also sits).
            name = topics[pk].title if pk in topics else ""
            return sum(1 for ch in set(name) if ch in old_policy.title) / (len(set(name)) or 1)

        best = max(scores, key=lambda pk: (scores[pk] + 2 * words_shared(pk), -order[pk]))
        if best in topics:
            return topics[best]
    items = list(service_items) or list(old_policy.service_items.all())
    return selectors.topic_for(service_items=items)


@transaction.atomic
def policy_change_register(
    *,
    old_policy: Policy,
    new_policy: Policy,
    effective_date,
    author,
    transition_end=None,
    service_items=(),
    tags=(),
    department: Department | None = None,
    note: str = "",
) -> PolicyChange:
    """A department liaison registers a policy change.

    1. the change is stored; the old policy becomes 已被替代 on the effective date
       (now if that date has come, else by ``policy_changes_apply_due``);
    2. every published article and guide citing the old policy, or sharing its
       service items or tags, gets an open review flag with the reasons;
    3. a draft PolicyTransitionGuidePage is created under the affected articles'
       topic and submitted to the workflow.
    """
    from .policy_change import PolicyChangeSpec, PolicyRef, articles_needing_review, guide_draft_fields

    change = PolicyChange(
        old_policy=old_policy,
        new_policy=new_policy,
        effective_date=effective_date,
        transition_end=transition_end,
        department=department,
        note=plain_text(note),
        registered_by=author,
    )
    change.full_clean()
    change.save()
    service_items = list(service_items)
    tags = sorted({t.strip() for t in tags if t and t.strip()})
    change.service_items.set(service_items)
    change.tags.set(tags)
    if effective_date <= timezone.localdate():
        _supersede(change, author=author)

    spec = PolicyChangeSpec(
        old_policy=PolicyRef(old_policy.pk, old_policy.title, old_policy.document_number),
        new_policy=PolicyRef(new_policy.pk, new_policy.title, new_policy.document_number),
        effective_date=effective_date,
        transition_end=transition_end,
        service_item_ids=frozenset(i.pk for i in service_items),
        service_item_names={i.pk: i.name for i in service_items},
        tags=frozenset(tags),
    )
    refs, pages = _content_refs()
    flagged = []
    for review in articles_needing_review(spec, refs):
        page = pages[review.content_id]
        article_flag(
            page=page,
            author=author,
            reason="；".join(review.reasons),
            source=ArticleReviewFlag.Source.POLICY_CHANGE,
            policy_change=change,
        )
        flagged.append(page)

    topic = _guide_topic(old_policy=old_policy, flagged=flagged, service_items=service_items)
    if topic is None:
        raise ValidationError(_("还没有任何主题，无法创建政策衔接指引草稿。"))
    fields = guide_draft_fields(spec)
    guide = PolicyTransitionGuidePage(
        slug=_unique_child_slug(topic, readable_slug(new_policy.title, fallback=f"zhengce-xianjie-{change.pk}")),
        old_policy=old_policy,
        new_policy=new_policy,
        live=False,
        owner=author,
        **fields,
    )
    guide.service_items = service_items
    guide.departments = [department] if department else []
    guide.related_articles = [p for p in flagged if isinstance(p, SolutionArticlePage)]
    guide.tags.set(tags)
    topic.add_child(instance=guide)
    guide.save_revision(user=author, log_action=True)
    _start_workflow(guide, author)
    change.guide = guide
    change.save(update_fields=["guide"])
    logger.info("policy change %s registered: %d page(s) flagged, guide %s", change.pk, len(flagged), guide.pk)
    return change


def readable_slug(title: str, *, fallback: str, limit: int = 80) -> str:
    """A slug a person can read: the title in pinyin (简易注销 → jianyi-zhuxiao)."""
    from django.utils.text import slugify
    from pypinyin import lazy_pinyin

    from search.analysis import segment

    words = []
    for word in segment(title):
        syllables = "".join(lazy_pinyin(word, errors=lambda chars: list(chars))).lower()
        if slugify(syllables):
            words.append(slugify(syllables))
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or fallback


@transaction.atomic
def article_draft_from_case_data(
    *,
    draft,
    author,
    case_reference: str,
    topic: TopicIndexPage | None = None,
    service_items=(),
    departments=(),
    policies=(),
    districts=(),
    submit: bool = False,
) -> SolutionArticlePage:
    """Create the draft SolutionArticlePage of "起草办事指引" from a de-identified
    ``knowledge.case_drafts.ArticleDraft`` and record what was replaced in the page
    history (shown on the edit view). The draft stays with its editor, who edits
    and then submits it to 指引审核流程 (``submit=True`` submits at once).

    ``case_reference`` (the tracking number) goes into the staff-only log entry,
    never into a page field.
    """
    from django.utils.html import escape
    from wagtail.log_actions import log
    from wagtail.rich_text import RichText

    from kernel.personal_data import KIND_LABELS

    service_items, departments = list(service_items), list(departments)
    topic = topic or selectors.topic_for(service_items=service_items, departments=departments)
    if topic is None:
        raise ValidationError(_("还没有任何主题，无法创建办事指引草稿。"))
    title = _clip(draft.title, 255) or _("（待编辑）办事指引草稿")
    page = SolutionArticlePage(
        title=title,
        slug=_unique_child_slug(
            topic, readable_slug(title, fallback=f"anli-zhiyin-{timezone.localdate():%Y%m%d}")
        ),
        summary=_clip(draft.summary or draft.title, 300),
        problem=draft.problem or draft.title,
        applies_to=draft.applies_to,
        steps=[
            (
                "step",
                {
                    "title": _clip(step.title, 120),
                    "body": RichText(f"<p>{escape(step.body)}</p>" if step.body else ""),
                    "where": _clip(step.where, 200),
                    "time_limit": "",
                },
            )
            for step in draft.steps
        ],
        live=False,
        owner=author,
    )
    page.materials = [
        RequiredMaterial(
            name=_clip(m.name, 150),
            note=_clip(m.note, 300),
            can_supply_later=m.can_supply_later,
            supply_methods=_clip(m.supply_method, 150),
            sort_order=i,
        )
        for i, m in enumerate(draft.materials)
    ]
    page.departments = departments
    page.policies = list(policies)
    page.service_items = service_items
    page.districts = list(districts)
    topic.add_child(instance=page)
    # add_child has just validated this very page (Page.save runs full_clean).
    revision = page.save_revision(user=author, log_action=True, clean=False)
    log(
        instance=page,
        action=selectors.DRAFT_FROM_CASE_ACTION,
        user=author,
        revision=revision,
        data={
            "case": case_reference,
            "replacements": [
                {
                    "field": fr.field,
                    "kind": fr.replacement.kind,
                    "label": KIND_LABELS.get(fr.replacement.kind, fr.replacement.kind),
                    "original": fr.replacement.original_masked,
                    "replacement": fr.replacement.replacement,
                }
                for fr in draft.replacements
            ],
        },
    )
    if submit:
        _start_workflow(page, author)
    logger.info("article draft %s created from a case with %d replacement(s)", page.pk, len(draft.replacements))
    return page


def page_acknowledgements_audit(*, page: Page, user) -> int:
    """Log the public-information acknowledgements added or withdrawn by the page's latest revision.

    Compares the latest revision with the one before it, so a save that changes nothing
    writes nothing. Returns the number of log entries written.
    """
    from .acknowledgements import audit_acknowledgements

    revisions = list(page.revisions.order_by("-created_at", "-id")[:2])
    if not revisions:
        return 0
    after = (revisions[0].content or {}).get("public_info_acknowledgements") or []
    before = (revisions[1].content or {}).get("public_info_acknowledgements") or [] if len(revisions) > 1 else []
    with transaction.atomic():
        return audit_acknowledgements(page=page, user=user, before=before, after=after, revision=revisions[0])
