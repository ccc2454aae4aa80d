"""Invalidate the anonymous page cache when public content changes."""

import logging

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal import cache
from search.signals import public_results_changed

logger = logging.getLogger(__name__)


def _content_changed(sender, **kwargs):
    cache.bump_content_version()


def _page_deleted(sender, instance, **kwargs):
    # Deleting any page type also deletes its wagtailcore.Page row, which sends
    # post_delete with sender=Page: one handler covers every page model.
    cache.bump_content_version()


def connect() -> None:
    # A search page cached between a publish and the worker's index update would keep the
    # old results: the engine taking the change invalidates public pages once more.
    public_results_changed.connect(_content_changed, dispatch_uid="portal.cache.search_index")
    page_published.connect(_content_changed, dispatch_uid="portal.cache.page_published")
    page_unpublished.connect(_content_changed, dispatch_uid="portal.cache.page_unpublished")
    post_page_move.connect(_content_changed, dispatch_uid="portal.cache.post_page_move")
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid="portal.cache.page_deleted")
    for label in cache.config()["INVALIDATE_ON_MODELS"]:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            logger.warning("page cache: unknown model %s in INVALIDATE_ON_MODELS", label)
            continue
        post_save.connect(_content_changed, sender=model, dispatch_uid=f"portal.cache.save.{label}")
        post_delete.connect(
            _content_changed, sender=model, dispatch_uid=f"portal.cache.delete.{label}"
        )
