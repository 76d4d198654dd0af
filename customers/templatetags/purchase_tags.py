"""Template tags for purchase history on the customer card: {% customer_purchases customer %}."""
from django import template
from django.utils import timezone

from crm.permissions import can
from customers.purchases.selectors import customer_purchase_panel

register = template.Library()


@register.inclusion_tag("customers/partials/customer_purchases.html", takes_context=True)
def customer_purchases(context, customer):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "purchases.view"):
        return {"customer": customer, "summary": None, "may_view": False}
    panel = customer_purchase_panel(customer=customer, today=timezone.localdate())
    return {"customer": customer, "may_view": True, "chart_id": f"purchase-chart-data-{customer.pk}", **panel}
