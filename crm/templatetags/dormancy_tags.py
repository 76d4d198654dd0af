"""Template tags for the dormancy engine: the customer card's panel and a link to a customer's card."""
from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from crm.dormancy.models import DormancyStatus, RuleCode
from crm.dormancy.selectors import customer_dormancy_panel

register = template.Library()


@register.inclusion_tag("crm/partials/customer_dormancy.html")
def customer_dormancy(customer):
    return customer_dormancy_panel(customer)


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
