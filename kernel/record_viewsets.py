"""A Wagtail admin viewset over records that only services change (cases, knowledge, search logs)."""

from django.urls import path


class RecordViewSetMixin:
    """A viewset over records: the listing and the inspect page offer no edit
    or delete links, because changes go through the record's own actions
    (services), not a generic model form.

    ``created_elsewhere = True``: records are made somewhere else too (a report, a
    task), so the viewset only lists and inspects them: no add view or button."""

    created_elsewhere = False

    def get_urlpatterns(self):
        if not self.created_elsewhere:
            return super().get_urlpatterns()
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_index_view_kwargs(self, **kwargs):
        kwargs = super().get_index_view_kwargs(**kwargs)
        kwargs["edit_url_name"] = None
        kwargs["delete_url_name"] = None
        if self.created_elsewhere:
            kwargs["add_url_name"] = None
        return kwargs

    def get_inspect_view_kwargs(self, **kwargs):
        kwargs = super().get_inspect_view_kwargs(**kwargs)
        kwargs["edit_url_name"] = None
        kwargs["delete_url_name"] = None
        return kwargs
