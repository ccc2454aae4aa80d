"""Small helpers shared by test modules (fixtures live in conftest.py files)."""

from django.test import Client


def login(user) -> Client:
    """A test client signed in as ``user``, without going through the login form."""
    client = Client()
    client.force_login(user)
    return client
