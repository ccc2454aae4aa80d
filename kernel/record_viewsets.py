"""A Wagtail admin viewset over records that only services change (cases, knowledge, search logs)."""


class RecordViewSetMixin:
    """A viewset over records: the listing and the inspect page offer no edit
    or delete links, because changes go through the record's own actions
    (services), not a generic model form."""

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
