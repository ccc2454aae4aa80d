"""Publishing a page after it was flagged closes the flag ("fix it")."""

from wagtail.signals import page_published


def on_page_published(sender, instance, revision=None, **kwargs):
    from . import services

    author = getattr(revision, "user", None)
    before = getattr(revision, "created_at", None)
    services.article_flags_resolve(page=instance, author=author, before=before)


def connect() -> None:
    page_published.connect(on_page_published, dispatch_uid="knowledge_resolve_flags_on_publish")
