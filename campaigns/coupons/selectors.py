"""Reads of coupons: a customer's coupons for the card, as they stand today."""
from campaigns.models import Coupon

CARD_LIMIT = 20


def customer_coupons(*, customer, today, limit=CARD_LIMIT):
    """The customer's latest coupons; one still `issued` past its last day shows as expired (the nightly scan
    writes that state, the card need not wait for it)."""
    coupons = list(Coupon.objects.filter(customer=customer).select_related("product", "campaign")
                   .order_by("-issued_at", "-pk")[:limit])
    for coupon in coupons:
        is_lapsed = coupon.state == Coupon.State.ISSUED and coupon.valid_until < today
        coupon.shown_state = Coupon.State.EXPIRED if is_lapsed else coupon.state
        coupon.shown_state_label = Coupon.State(coupon.shown_state).label
    return coupons
