"""The card's coupons panel (registered from campaigns.coupons.setup): the customer's coupons, and for a regular
customer without an open order-entry coupon, the proposal to issue one (shown at the top of the card, where the
person taking the call sees it)."""
from django.utils import timezone

from campaigns.models import Coupon
from crm.permissions import can

from .proposal import order_entry_proposal
from .selectors import customer_coupons


def coupons_card_panel(customer, user):
    today = timezone.localdate()
    coupons = customer_coupons(customer=customer, today=today)
    open_coupon = next((c for c in coupons if c.source == Coupon.Source.ORDER_ENTRY
                        and c.shown_state == Coupon.State.ISSUED), None)
    proposal = None if open_coupon else order_entry_proposal(customer=customer, today=today)
    return {
        "customer": customer,
        "coupons": coupons,
        "proposal": proposal,
        "open_coupon": open_coupon,
        "may_issue": can(user, "coupons.issue", customer),
        "is_prominent": bool(proposal or open_coupon),
    }
