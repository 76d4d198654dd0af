"""What an offer gives, in words (the card, the slip, the merge field of letters and e-mails)."""
from django.utils.translation import gettext as _

from campaigns.models.coupons import DiscountKind


def _quantity(value):
    return f"{value:f}".rstrip("0").rstrip(".") if value is not None else ""


def describe_offer(offer):
    """E.g. "10 % off Seafood Special, from 2 at once" / "¥500 off category Pizza, from 1"."""
    target = _("category %(category)s") % {"category": offer.category} if offer.category else offer.product.name
    if offer.discount_kind == DiscountKind.PERCENT:
        discount = _("%(value)d %% off") % {"value": offer.discount_value}
    else:
        discount = _("¥%(value)s off") % {"value": f"{offer.discount_value:,}"}
    return _("%(discount)s %(target)s, when buying %(quantity)s or more at once") % {
        "discount": discount, "target": target, "quantity": _quantity(offer.min_quantity)}
