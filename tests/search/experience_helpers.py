"""Content builders for the search-experience tests (page, API, analytics, visibility).

Pages are published through Wagtail and then indexed explicitly through the
document sources, so these tests do not depend on when index tasks run.
"""

from __future__ import annotations

from django.utils.text import slugify
from wagtail.rich_text import RichText

from knowledge.models import Department, District, Policy, SolutionArticlePage, TopicIndexPage
from portal.home.models import HomePage
from search.engines import get_engine
from search.sources import get_source


def ensure_home() -> HomePage:
    """The home page and default site the migrations create.

    Browser tests need this: after Playwright starts, pytest-django's serialized
    rollback no longer restores migration data between transactional tests.
    """
    home = HomePage.objects.first()
    if home is None:
        from django.contrib.contenttypes.models import ContentType
        from wagtail.models import Locale, Page, Site

        ContentType.objects.clear_cache()  # the flushed rows may still be cached
        Locale.objects.get_or_create(language_code="zh-hans")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="办成", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    return home


def make_topic(title: str = "企业开办与注销", slug: str | None = None) -> TopicIndexPage:
    home = ensure_home()
    topic = TopicIndexPage(title=title, slug=slug or slugify(title, allow_unicode=True))
    home.add_child(instance=topic)
    topic.save_revision().publish()
    return topic


def make_department(name: str = "区市场监管局") -> Department:
    return Department.objects.create(name=name, slug=slugify(name, allow_unicode=True))


def make_article(
    topic: TopicIndexPage,
    title: str,
    *,
    summary: str = "",
    problem: str = "",
    steps: str = "",
    tags=(),
    departments=(),
    districts=(),
    slug: str | None = None,
    live: bool = True,
) -> SolutionArticlePage:
    page = SolutionArticlePage(
        title=title,
        slug=slug or slugify(title, allow_unicode=True)[:50] or "a",
        summary=summary or title,
        problem=problem or title,
        steps=[("paragraph", RichText(f"<p>{steps}</p>"))] if steps else [],
        live=live,
    )
    topic.add_child(instance=page)
    if tags:
        page.tags.set(list(tags))
    if departments:
        page.departments.set(list(departments))
    if districts:
        page.districts.set(list(districts))
    revision = page.save_revision()
    if live:
        revision.publish()
    page.refresh_from_db()
    return page


def make_policy(title: str, **kw) -> Policy:
    return Policy.objects.create(title=title, issuing_body=kw.pop("issuing_body", "上海市人民政府"), **kw)


def district(code: str) -> District:
    return District.objects.get(code=code)


def index(*objs) -> None:
    """Put these pages/policies into the configured engine, as the index tasks would."""
    docs = []
    for obj in objs:
        doc_type = {
            "SolutionArticlePage": "article",
            "PolicyTransitionGuidePage": "guide",
            "Policy": "policy",
        }[type(obj).__name__]
        doc = get_source(doc_type).document_for(obj)
        assert doc is not None, f"{obj!r} is not indexable"
        docs.append(doc)
    engine = get_engine()
    engine.index(docs)
