"""Merge fields for letters and e-mails: each customer's coupon of a campaign step, ready to print.

    coupon_fields_for(step, customer_ids, round=1) -> {customer_id: {"coupon_code", "coupon_expires_on",
                                                                     "coupon_offer", "coupon_expires_at_date"}}

Delivery (campaigns.delivery.merge) calls it when it renders the e-mails it is about to send and the letters of a
print batch — exactly the customers who receive the step, in one round of their enrolment. So when the step has a
CouponOffer, the customers without a coupon of the step in that round get one here (coupons_issue_for_step:
set-based, idempotent, so a retried send or a re-rendered batch issues nothing twice; a playbook's second round
issues a second coupon); a step without an offer gives no fields. Two queries per chunk besides the issuing. The
code is grouped (XXXX-XXXX-XXXX), the date ISO (a date object in "coupon_expires_at_date" for callers that format
it in the reader's language), the offer in the active language.
"""
from campaigns.models import Coupon, CouponOffer

from .codes import format_code
from .offers import describe_offer
from .services import coupons_issue_for_step


def coupon_fields_for(step, customer_ids, round=1):
    customer_ids = list(customer_ids)
    if not customer_ids or not CouponOffer.objects.filter(step=step).exists():
        return {}
    coupons_issue_for_step(step=step, customer_ids=customer_ids, round=round)
    coupons = Coupon.objects.filter(step=step, round=round, customer_id__in=customer_ids).select_related("product")
    return {
        coupon.customer_id: {
            "coupon_code": format_code(coupon.code),
            "coupon_expires_on": coupon.valid_until.isoformat(),
            "coupon_expires_at_date": coupon.valid_until,
            "coupon_offer": describe_offer(coupon),
        }
        for coupon in coupons
    }
