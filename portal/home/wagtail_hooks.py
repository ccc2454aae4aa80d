"""Admin chrome: no links to English-only sites staff cannot use."""

from wagtail import hooks

# Wagtail's "what's new" and editor guide open English pages on the internet; the
# service halls' intranet often cannot reach them, and they carry an unread badge.
EXTERNAL_HELP_ITEMS = ("editor-guide", "whats-new-in-wagtail-")


@hooks.register("construct_help_menu")
def drop_external_help_links(request, menu_items):
    menu_items[:] = [item for item in menu_items if not item.name.startswith(EXTERNAL_HELP_ITEMS)]
