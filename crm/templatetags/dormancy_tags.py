"""Template tags for the dormancy panel of the customer card (filled in by the dormancy engine)."""
from django import template

register = template.Library()


@register.inclusion_tag("crm/partials/customer_dormancy.html")
def customer_dormancy(customer):
    return {"customer": customer}
