import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and cached pages live in the cache: never share them between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    from knowledge import demo as knowledge_demo

    knowledge_demo.load()
    return knowledge_demo


@pytest.fixture
def demo_user(demo):
    def get(username):
        return get_user_model().objects.get(username=username)

    return get
