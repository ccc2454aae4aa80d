"""Paging of the public listings (topics, departments, tags, policies).

A topic grows by an article for every class of cases solved, and an import brings
hundreds at once: readers get pages of a readable length, never one endless list.
"""

from django.core.paginator import Page, Paginator

LISTING_PAGE_SIZE = 20


def page_of(items, request, *, per_page: int = LISTING_PAGE_SIZE) -> Page:
    """The requested page of ``items``; a missing, malformed or too large ``?page=``
    gives the first or last page rather than an error."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
