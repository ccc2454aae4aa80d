"""``{% long_read_attrs obj %}``: the data attributes static/js/long_read.js reads on a public page.

The document key comes from the registered search sources (whatever source follows the object's
model), so a new kind of public document gets long reads by registering its source. The attributes
are the same for every reader, so cached public pages stay shareable.
"""

from django import template
from django.utils.html import format_html

from .. import analytics
from ..forms import MAX_QUERY_LENGTH
from ..sources import doc_id_for, sources_for_model

register = template.Library()


def public_doc_key(obj) -> str:
    """"article:12" for an object a public search can return, "" otherwise (staff-only sources,
    objects no source follows)."""
    if obj is None or getattr(obj, "pk", None) is None:
        return ""
    specific = getattr(obj, "specific", obj)  # a Wagtail Page handed over as its base class
    for source in sources_for_model(type(specific)):
        if not getattr(source, "staff_only", False):
            return f"{source.doc_type}:{doc_id_for(source, specific)}"
    return ""


@register.simple_tag
def long_read_attrs(obj) -> str:
    key = public_doc_key(obj)
    if not key:
        return ""
    return format_html(' data-search-doc="{}" data-read-seconds="{}"', key, analytics.long_read_seconds())


@register.simple_tag
def max_query_length() -> int:
    """The longest query the search accepts, for every search box's maxlength: a pasted
    paragraph is cut by the browser instead of ending on an error page (base.html's box)."""
    return MAX_QUERY_LENGTH
