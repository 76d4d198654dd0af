"""Template helpers of the dormancy screens: a link to a customer's card and labels for status and rule codes.

The customer card's dormancy panel is not a tag: its data comes from the card's view through the panel registry
(customers/panels.py), so the view's query count shows it.
"""
from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from crm.dormancy.models import BUYING_LESS_RULES, DormancyStatus, RuleCode

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


@register.simple_tag(takes_context=True)
def query_set(context, **kwargs):
    """The current query string with parameters set — an empty string stays as `name=` (the dormant list's "all
    reps" differs from no `rep` at all) — or removed with None."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context, name, label):
    """A column header of the dormant list that sorts by `name` (context["headers"], selectors.sort_headers): the
    sorted column shows its direction and a click reverses it."""
    header = context["headers"][name]
    query = context["request"].GET.copy()
    query.pop("page", None)
    query["sort"] = header["value"]
    arrow = {"descending": " ▼", "ascending": " ▲"}.get(header["aria"], "")
    return format_html('<a class="sort-link text-nowrap" href="?{}" data-sort="{}">{}{}</a>', query.urlencode(), name,
                       label, arrow)


@register.filter
def signed_percent(value):
    """-70 -> −70%, 12 -> +12% (a real minus sign), None -> empty."""
    if value is None:
        return ""
    return f"{'−' if value < 0 else '+'}{abs(value)}%"


@register.filter
def is_buying_less_rule(code):
    """Whether a rule flags customers who still buy, but less (their stored reason code is not shown for them)."""
    return code in BUYING_LESS_RULES
