"""Wagtail admin search backend.

Placeholder until the search app wires Chinese analysis into it: behaves as
Wagtail's database backend.
"""

from wagtail.search.backends.database import SearchBackend  # noqa: F401
