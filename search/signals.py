"""Signals other apps may listen to, so the search app never imports them."""

from django.dispatch import Signal

# Sent when what anonymous readers get from search has changed: the engine has taken a
# public document (or removed any), or a new learned ranking for the public went live.
# A cached public search page may then be out of date. Index updates run after the
# request that caused them (task worker), so invalidating at publish time is too early.
public_results_changed = Signal()
