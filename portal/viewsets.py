"""Shared pieces for Wagtail admin viewsets."""


class RecordViewSetMixin:
    """A viewset over records: they are listed and inspected, never edited or
    deleted from the listing or the inspect page (their services own changes)."""

    def get_index_view_kwargs(self, **kwargs):
        kwargs = super().get_index_view_kwargs(**kwargs)
        kwargs["edit_url_name"] = None
        kwargs["delete_url_name"] = None
        return kwargs

    def get_inspect_view_kwargs(self, **kwargs):
        kwargs = super().get_inspect_view_kwargs(**kwargs)
        kwargs["edit_url_name"] = None
        kwargs["delete_url_name"] = None
        return kwargs
