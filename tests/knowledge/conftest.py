import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def demo_user(demo):
    def get(username):
        return get_user_model().objects.get(username=username)

    return get
