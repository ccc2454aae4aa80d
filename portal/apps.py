from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The project package as an app: wires the page cache's invalidation."""

    name = "portal"
    label = "portal"
    verbose_name = _("门户")

    def ready(self):
        from portal import login_audit, signal_handlers

        signal_handlers.connect()
        login_audit.connect()
