"""Shared fixtures. App-specific ones live in tests/<app>/conftest.py."""
