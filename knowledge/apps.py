from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("办事指引知识库")

    def ready(self):
        from . import signal_handlers

        signal_handlers.connect()
