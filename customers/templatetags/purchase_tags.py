"""Template tags for purchase history on the customer card (filled in by the purchases module)."""
from django import template

register = template.Library()


@register.inclusion_tag("customers/partials/customer_purchases.html")
def customer_purchases(customer):
    return {"customer": customer}
