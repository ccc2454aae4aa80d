from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("办不成事工作台")

    def ready(self):
        from cases.open311 import signal_handlers

        signal_handlers.connect()

        from cases.trends import facts

        facts.connect()
