"""RSS and Atom feeds of newly published guides and articles."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from . import selectors


class LatestContentFeed(Feed):
    title = _("办成 · 最新办事指引")
    link = "/"
    description = _("“办不成事”反映窗口办成的事，整理成的办事指引和新旧政策衔接指引。")
    language = "zh-hans"

    def items(self):
        return selectors.latest_content(limit=30)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return getattr(item, "summary", "") or item.search_description

    def item_link(self, item):
        return item.get_full_url()

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        return [t.name for t in item.tags.all()]


class LatestContentAtomFeed(LatestContentFeed):
    feed_type = Atom1Feed
    subtitle = LatestContentFeed.description
