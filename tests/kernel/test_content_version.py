"""The public content version: bulk writes bump it once now and once at commit, never less."""

from __future__ import annotations

import pytest
from django.db import transaction

from kernel.content_version import bump_content_version, bumps_coalesced, content_version

pytestmark = pytest.mark.django_db


def test_a_bulk_write_bumps_once_now_and_once_at_commit(django_capture_on_commit_callbacks):
    start = content_version()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), bumps_coalesced():
        for _ in range(50):
            bump_content_version()
        assert content_version() == start + 1  # cached pages from before the write are stale at once
    assert content_version() == start + 2  # and what was cached while it ran, at its commit


def test_a_rolled_back_line_does_not_take_the_commit_bump_with_it(django_capture_on_commit_callbacks):
    start = content_version()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), bumps_coalesced():
        try:
            with transaction.atomic():
                bump_content_version()
                raise RuntimeError("the line fails")
        except RuntimeError:
            pass
        bump_content_version()  # the next line's change still invalidates at commit
    assert content_version() == start + 3


def test_without_the_block_every_change_bumps_as_before(django_capture_on_commit_callbacks):
    start = content_version()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        bump_content_version()
        bump_content_version()
        assert content_version() == start + 2
    assert content_version() == start + 4
