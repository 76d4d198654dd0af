"""Template helpers of the dormancy screens: a link to a customer's card and labels for status and rule codes.

The customer card's dormancy panel is not a tag: its data comes from the card's view through the panel registry
(customers/panels.py), so the view's query count shows it.
"""
from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from crm.dormancy.models import DormancyStatus, RuleCode

register = template.Library()


@register.simple_tag
def customer_link(customer):
    """The customer's name linking to the card (plain text where the card is not installed)."""
    try:
        url = reverse("customers:detail", args=[customer.pk])
    except NoReverseMatch:
        return customer.name
    return format_html('<a href="{}">{}</a>', url, customer.name)


_LABELS = {**dict(DormancyStatus.choices), **dict(RuleCode.choices)}


@register.filter
def dormancy_label(code):
    """A status or rule code in the reader's language; 'active→dormant' change keys label both sides."""
    text = str(code or "")
    if "→" in text:
        return "→".join(str(_LABELS.get(part, part)) for part in text.split("→"))
    return _LABELS.get(text, text)
