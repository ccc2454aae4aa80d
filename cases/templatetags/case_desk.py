"""``{% shown text %}``: free text on a case page, de-identified for roles without personal-data rights.

Reporters write phone numbers into ratings, and staff into replies; every free-text
field on the case page goes through the same rule as the matter and the timeline.
"""

from django import template

from cases import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def shown(context, text):
    text = text or ""
    if context.get("full_text"):
        return text
    return selectors.deidentified_text(text, context["case"])
