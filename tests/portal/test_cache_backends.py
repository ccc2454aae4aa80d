"""The production cache stays within its size while not listing its folder on every write."""

from pathlib import Path

from portal.cache_backends import SampledCullFileBasedCache


def _cache(tmp_path: Path, **options) -> SampledCullFileBasedCache:
    return SampledCullFileBasedCache(str(tmp_path), {"TIMEOUT": 600, "OPTIONS": options})


def test_cache_stays_near_its_bound(tmp_path):
    cache = _cache(tmp_path, MAX_ENTRIES=100, CULL_CHECK_EVERY=10)
    for n in range(1000):
        cache.set(f"page-{n}", "x" * 10)

    files = list(tmp_path.glob("*.djcache"))
    assert 0 < len(files) <= 100 + 10
    assert cache.get("page-999") == "x" * 10  # the newest entry is there


def test_folder_is_listed_once_per_check_not_per_write(tmp_path, monkeypatch):
    cache = _cache(tmp_path, MAX_ENTRIES=100, CULL_CHECK_EVERY=25)
    listings = []
    original = SampledCullFileBasedCache._list_cache_files
    monkeypatch.setattr(SampledCullFileBasedCache, "_list_cache_files",
                        lambda self: listings.append(1) or original(self))
    for n in range(100):
        cache.set(f"page-{n}", "x")

    assert len(listings) == 4
