"""Publishing a page after it was flagged closes the flag ("fix it")."""

import contextlib
import threading

from wagtail.signals import page_published

from kernel.batching import collected

_batch = threading.local()


def on_page_published(sender, instance, revision=None, **kwargs):
    from . import services

    author = getattr(revision, "user", None)
    before = getattr(revision, "created_at", None)
    pending = getattr(_batch, "published", None)
    if pending is not None:
        pending.append((instance, author, before))
        return
    services.article_flags_resolve(page=instance, author=author, before=before)


@contextlib.contextmanager
def flag_checks_batched():
    """Pages published in the block (a bulk import) have their open flags looked up in one
    query at its end; only pages that have any are resolved, as publishing each one would."""
    with collected(_batch, "published") as published:
        yield
    if not published:
        return
    from . import selectors, services

    flagged = selectors.open_flags_by_page({page.pk for page, _, _ in published})
    for page, author, before in published:
        if page.pk in flagged:
            services.article_flags_resolve(page=page, author=author, before=before)


def connect() -> None:
    page_published.connect(on_page_published, dispatch_uid="knowledge_resolve_flags_on_publish")
