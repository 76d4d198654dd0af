"""Reads of coupons: a customer's coupons for the card, as they stand today."""
from django.db.models import Count, Q, Sum

from campaigns.models import Coupon, CouponOffer

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


def campaign_coupon_steps(*, campaign, today):
    """Each step of the campaign with its offer (or None) and its coupons counted by state, in two queries; an
    issued coupon past its last day counts as expired."""
    steps = list(campaign.steps.order_by("position"))
    offers = {offer.step_id: offer for offer in CouponOffer.objects.filter(step__campaign=campaign)
              .select_related("product")}
    lapsed = Q(state=Coupon.State.ISSUED, valid_until__lt=today)
    counts = {row["step_id"]: row for row in Coupon.objects.filter(campaign=campaign).values("step_id").annotate(
        issued=Count("pk", filter=Q(state=Coupon.State.ISSUED) & ~lapsed),
        redeemed=Count("pk", filter=Q(state=Coupon.State.REDEEMED)),
        expired=Count("pk", filter=Q(state=Coupon.State.EXPIRED) | lapsed),
        cancelled=Count("pk", filter=Q(state=Coupon.State.CANCELLED)),
        revenue=Sum("redeemed_purchase__amount"),
    )}
    return [{"step": step, "offer": offers.get(step.pk), "counts": counts.get(step.pk)} for step in steps]
