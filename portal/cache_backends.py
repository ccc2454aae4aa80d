"""The production cache: Django's file cache, sized without listing its folder on every write."""

from __future__ import annotations

import itertools

from django.core.cache.backends.filebased import FileBasedCache


class SampledCullFileBasedCache(FileBasedCache):
    """Django's ``FileBasedCache`` lists every file of the cache on each ``set`` to see
    whether ``MAX_ENTRIES`` is passed: with thousands of entries (pages, rate-limit counters)
    that listing was 3% of the web workers' CPU under load. Checking on one write in
    ``CULL_CHECK_EVERY`` (an option, 50 by default) per process keeps the cache near its
    bound: between checks each process adds at most that many entries."""

    def __init__(self, dir, params):
        options = dict(params.get("OPTIONS", {}))
        self._cull_check_every = max(1, int(options.pop("CULL_CHECK_EVERY", 50)))
        self._writes = itertools.count()
        super().__init__(dir, {**params, "OPTIONS": options})

    def _cull(self):
        if next(self._writes) % self._cull_check_every == 0:
            super()._cull()
