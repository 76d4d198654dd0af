"""Merge fields for letters and e-mails: each customer's coupon of a campaign step, ready to print.

    coupon_fields_for(step, customer_ids) -> {customer_id: {"coupon_code", "coupon_expires_on", "coupon_offer"}}

One query for the whole batch. Only customers holding a coupon of the step appear; issue first with
campaigns.coupons.services.coupons_issue_for_step(step=..., customer_ids=...) (idempotent) when the step has a
CouponOffer. The code is shown grouped (XXXX-XXXX-XXXX), the date as YYYY-MM-DD (a date object in
"coupon_expires_at_date" for templates that format it themselves), the offer in the active language.
"""
from campaigns.models import Coupon

from .codes import format_code
from .offers import describe_offer


def coupon_fields_for(step, customer_ids):
    coupons = Coupon.objects.filter(step=step, customer_id__in=list(customer_ids)).select_related("product")
    return {
        coupon.customer_id: {
            "coupon_code": format_code(coupon.code),
            "coupon_expires_on": coupon.valid_until.isoformat(),
            "coupon_expires_at_date": coupon.valid_until,
            "coupon_offer": describe_offer(coupon),
        }
        for coupon in coupons
    }
