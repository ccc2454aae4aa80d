import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def demo_user(demo):
    def get(username):
        return get_user_model().objects.get(username=username)

    return get


# Knowledge tests that check what readers find (imports, product-path relevance) run on both engines too.
from tests.search.conftest import search_engine  # noqa: E402,F401
