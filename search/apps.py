from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("中文检索")

    def ready(self):
        from . import analytics, signal_handlers, sources
        from .learning import signals as learning_signals

        sources.register_default_sources()
        sources.autodiscover()
        learning_signals.autodiscover()
        signal_handlers.connect()
        analytics.connect_day_counts()
        from .learning import rerank

        rerank.connect()
