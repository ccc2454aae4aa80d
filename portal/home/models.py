"""The public home page: the front door of the knowledge portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class HomePage(Page):
    """Site root. Topics hang below it; the home lists the latest guides and
    gives the "还是办不成？在线反映" entry a permanent place."""

    introduction = models.TextField(_("欢迎语"), blank=True)
    report_call_to_action = models.CharField(
        _("在线反映入口文字"), max_length=100, default="还是办不成？在线反映"
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("report_call_to_action"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["knowledge.TopicIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from knowledge import selectors  # knowledge imports home lazily too

        context = super().get_context(request, *args, **kwargs)
        context["latest_guides"] = selectors.latest_guides(limit=4)
        context["latest_articles"] = selectors.latest_articles(limit=6)
        context["topics"] = selectors.topics_with_counts()
        return context
