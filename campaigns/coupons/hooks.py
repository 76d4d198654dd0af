"""What the purchase entry and the purchase import call (registered in customers.purchases.coupon_hooks).

The entry form checks a typed code before saving (`coupon_code_problem`), the entry service redeems it with the
purchase (`redeem_entered`). An import redeems set-based (`redeem_imported`): one UPDATE joins the import's lines
to the issued coupons by their code and takes, per coupon, the first line that meets it (its customer, days,
product or category, quantity); the lines whose code was not redeemed come back as warnings with the reason.
"""
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Coupon

from .codes import normalize_code
from .services import PurchaseFacts, coupon_for_code, coupon_redeem, coupon_refusal

MAX_WARNINGS = 1000  # as many as the import reports errors
_SCANNED_LINES = 5 * MAX_WARNINGS


def coupon_code_problem(*, code, customer, purchased_on, product, quantity):
    """The entry form's check: a sentence saying why the code cannot be used, or None."""
    facts = PurchaseFacts(customer_id=customer.pk, purchased_on=purchased_on,
                          product_id=product.pk if product else None,
                          product_category=product.category if product else "", quantity=quantity)
    return coupon_refusal(coupon_for_code(code), facts, code=code)


def redeem_entered(*, purchase, by):
    """A purchase entered by hand: redeem its code in the same transaction (CouponRefused rolls both back)."""
    coupon_redeem(code=purchase.coupon_code, purchase=purchase, by=by)


def _normalized(field):
    # The SQL spelling of codes.normalize_code for what an import stores (already NFKC-folded by the importer).
    return Upper(Replace(Replace(field, Value("-"), Value("")), Value(" "), Value("")))


def redeem_imported(*, purchases, today=None, now=None):
    """Redeem, set-based, the issued coupons named by `purchases` (a queryset of imported lines with a code);
    returns the warnings of the lines whose code was not redeemed."""
    now = now or timezone.now()
    lines = purchases.annotate(normalized_code=_normalized("coupon_code"))
    first_match = lines.filter(
        normalized_code=OuterRef("code"), customer_id=OuterRef("customer_id"),
        purchased_on__gte=OuterRef("valid_from"), purchased_on__lte=OuterRef("valid_until"),
        quantity__gte=OuterRef("min_quantity"),
    ).filter(
        Q(product_id=OuterRef("product_id")) | (Q(product__category=OuterRef("category")) & ~Q(product__category=""))
    ).exclude(Exists(Coupon.objects.filter(redeemed_purchase=OuterRef("pk")))).order_by("purchased_on", "pk")
    (Coupon.objects.filter(state=Coupon.State.ISSUED, code__in=lines.values("normalized_code"))
     .annotate(line_id=Subquery(first_match.values("pk")[:1]))
     .filter(line_id__isnull=False)
     .update(state=Coupon.State.REDEEMED, redeemed_purchase_id=Subquery(first_match.values("pk")[:1]),
             redeemed_on=Subquery(first_match.values("purchased_on")[:1]), redeemed_at=now))
    return _warnings(lines)


def _warnings(lines):
    unredeemed = list(
        lines.exclude(Exists(Coupon.objects.filter(redeemed_purchase=OuterRef("pk"))))
        .select_related("customer", "product").order_by("pk")[:_SCANNED_LINES])
    if not unredeemed:
        return []
    by_code = {coupon.code: coupon for coupon in Coupon.objects.select_related("product", "redeemed_purchase")
               .filter(code__in={normalize_code(line.coupon_code) for line in unredeemed})}
    warnings = []
    for line in unredeemed:
        coupon = by_code.get(normalize_code(line.coupon_code))
        redeemer = coupon.redeemed_purchase if coupon is not None else None
        if redeemer is not None and (redeemer.customer_id, redeemer.purchased_on, redeemer.order_ref) == (
                line.customer_id, line.purchased_on, line.order_ref):
            continue  # another line of the same order used it: the drink beside the discounted pizzas
        reason = coupon_refusal(coupon, PurchaseFacts.of(line), code=line.coupon_code) or _(
            "The coupon cannot be used.")
        warnings.append({"customer_code": line.customer.code, "purchased_on": line.purchased_on.isoformat(),
                         "order_ref": line.order_ref, "value": line.coupon_code, "reason": str(reason)})
        if len(warnings) >= MAX_WARNINGS:
            break
    return warnings

