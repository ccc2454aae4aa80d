"""Signals other apps may listen to, so the search app never imports them."""

from django.dispatch import Signal

# Sent after the engine has taken a change that anonymous readers can see (a public
# document written, or any document removed): a cached public search page may now be
# out of date. Index updates run after the request that caused them (task worker),
# so the page cache's own invalidation at publish time can come too early.
public_documents_changed = Signal()
