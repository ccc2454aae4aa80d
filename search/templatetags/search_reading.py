"""``{% long_read_attrs obj %}``: the data attributes static/js/long_read.js reads on a public page.

The document key comes from the registered search sources (whatever source follows the object's
model), so a new kind of public document gets long reads by registering its source. The attributes
are the same for every reader, so cached public pages stay shareable.
"""

from django import template
from django.utils.html import format_html

from .. import analytics
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
