"""Write-side operations of the knowledge app."""

from __future__ import annotations

import hashlib
import logging

import bleach
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Page

from .forms import COMMENT_MAX_LENGTH
from .models import ArticleFeedback

logger = logging.getLogger(__name__)

FEEDBACK_RATE_LIMIT = 5  # submissions per client, page and window
FEEDBACK_RATE_WINDOW = 10 * 60  # seconds


def client_key_for(*, ip: str, user_agent: str) -> str:
    """An opaque per-client key; the IP address itself is never stored."""
    return hashlib.sha256(f"{ip}|{user_agent}".encode("utf-8", "replace")).hexdigest()[:32]


def _plain_text(value: str) -> str:
    # Strip every tag (and drop script/style content) so the comment is
    # stored as plain text; templates escape it again on output.
    cleaned = bleach.clean(value or "", tags=set(), attributes={}, strip=True, strip_comments=True)
    # bleach escapes &, < and > in text; store the reader's characters as typed.
    cleaned = cleaned.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return cleaned.strip()


def _contains_markup(value: str) -> bool:
    return _plain_text(value) != (value or "").strip()


@transaction.atomic
def feedback_create(*, page: Page, helpful: bool, comment: str, client_key: str) -> ArticleFeedback:
    """Store one reader's feedback on ``page``.

    Raises ValidationError (Chinese message) for markup in the comment, an
    over-long comment or too many submissions; nothing is saved then.
    """
    comment = comment or ""
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            _("意见最多 %(limit)d 个字，您输入了 %(count)d 个字。")
            % {"limit": COMMENT_MAX_LENGTH, "count": len(comment)}
        )
    if _contains_markup(comment):
        raise ValidationError(_("意见中不能包含网页代码或脚本，请只填写文字。"))

    rate_key = f"knowledge:feedback:{client_key}:{page.pk}"
    # add() is atomic on every cache backend: it only sets when absent.
    cache.add(rate_key, 0, FEEDBACK_RATE_WINDOW)
    try:
        count = cache.incr(rate_key)
    except ValueError:  # expired between add and incr
        cache.set(rate_key, 1, FEEDBACK_RATE_WINDOW)
        count = 1
    if count > FEEDBACK_RATE_LIMIT:
        logger.info("feedback rate limit hit on page %s", page.pk)
        raise ValidationError(_("提交过于频繁，请稍后再试。"))

    feedback = ArticleFeedback(page=page, helpful=bool(helpful), comment=_plain_text(comment))
    feedback.full_clean()
    feedback.save()
    logger.info("feedback stored on page %s (helpful=%s)", page.pk, feedback.helpful)
    return feedback
