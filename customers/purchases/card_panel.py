"""The purchases panel of the customer card: its data, read in the card view through the panel registry."""
from django.utils import timezone

from crm.permissions import can
from customers.purchases.selectors import customer_purchase_panel


def purchases_card_panel(customer, user):
    """Context of customers/partials/customer_purchases.html (registered as the card's "purchases" panel)."""
    panel = customer_purchase_panel(customer=customer, today=timezone.localdate())
    return {"customer": customer, "may_view": True, "chart_id": f"purchase-chart-data-{customer.pk}",
            "may_enter": can(user, "purchases.import"), **panel}
