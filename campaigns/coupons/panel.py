"""The card's coupons panel (registered from campaigns.coupons.setup): the customer's coupons, and for a regular
customer without an open order-entry coupon, the proposal to issue one (shown at the top of the card, where the
person taking the call sees it)."""
from django.utils import timezone

from campaigns.models import Coupon
from crm.permissions import can
from customers.selectors import one_to_one_or_none

from .proposal import INTERVAL_RANGE, MIN_PURCHASE_DAYS, order_entry_proposal
from .selectors import customer_coupons


def coupons_card_panel(customer, user):
    today = timezone.localdate()
    coupons = customer_coupons(customer=customer, today=today)
    open_coupon = next((c for c in coupons if c.source == Coupon.Source.ORDER_ENTRY
                        and c.shown_state == Coupon.State.ISSUED), None)
    # The card has the purchase summary already: too few purchase days for a pattern costs no query.
    summary = one_to_one_or_none(customer, "purchase_summary")
    has_enough = (summary is not None and summary.purchase_days >= MIN_PURCHASE_DAYS
                  and summary.median_interval_days is not None
                  and summary.median_interval_days <= INTERVAL_RANGE[1] * 2)
    proposal = order_entry_proposal(customer=customer, today=today) if has_enough and not open_coupon else None
    return {
        "customer": customer,
        "coupons": coupons,
        "proposal": proposal,
        "open_coupon": open_coupon,
        "may_issue": can(user, "coupons.issue", customer),
        "is_prominent": bool(proposal or open_coupon),
    }

