"""What the purchase entry and the purchase import call (registered in customers.purchases.coupon_hooks).

The entry form checks a typed code before saving (`coupon_code_problem`), the entry service redeems it with the
purchase (`redeem_entered`). An import redeems set-based (`redeem_imported`): one UPDATE joins the import's lines
to the issued coupons by their code and takes, per coupon, the first line that meets it (its customer, days,
product or category, quantity); the lines whose code was not redeemed come back as warnings with the reason.
(A first version with correlated subqueries per coupon took minutes at 50,000 coupon lines: bench.bench_coupons.)
"""
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Coupon
from customers.models import Product

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


# The SQL spelling of codes.normalize_code for what an import stores (already NFKC-folded by the importer).
_NORMALIZED = "UPPER(REPLACE(REPLACE(p.coupon_code, '-', ''), ' ', ''))"


def redeem_imported(*, purchases, today=None, now=None):
    """Redeem, set-based, the issued coupons named by `purchases` (a queryset of imported lines with a code);
    returns the warnings of the lines whose code was not redeemed.

    One UPDATE … FROM: the lines are joined to the issued coupons by normalized code (the unique index) and
    customer, kept where they meet the coupon (days, product or category, quantity), ranked per coupon (earliest
    line first) and the first one redeems it. Plain SQL that PostgreSQL and SQLite (3.33+) both run.
    """
    now = now or timezone.now()
    lines_sql, params = purchases.values("id", "customer_id", "purchased_on", "product_id", "quantity",
                                         "coupon_code").query.sql_with_params()
    coupon, product = Coupon._meta.db_table, Product._meta.db_table
    sql = f"""
        UPDATE {coupon} SET state = %s, redeemed_purchase_id = m.purchase_id, redeemed_on = m.purchased_on,
                            redeemed_at = %s
        FROM (
            SELECT coupon_id, purchase_id, purchased_on FROM (
                SELECT c.id AS coupon_id, p.id AS purchase_id, p.purchased_on,
                       ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY p.purchased_on, p.id) AS nth
                FROM ({lines_sql}) p
                JOIN {coupon} c ON c.code = {_NORMALIZED} AND c.customer_id = p.customer_id
                LEFT JOIN {product} pr ON pr.id = p.product_id
                WHERE c.state = %s AND p.purchased_on >= c.valid_from AND p.purchased_on <= c.valid_until
                  AND p.quantity >= c.min_quantity
                  AND (c.product_id = p.product_id OR (c.category <> '' AND pr.category = c.category))
                  AND NOT EXISTS (SELECT 1 FROM {coupon} r WHERE r.redeemed_purchase_id = p.id)
            ) ranked WHERE nth = 1
        ) m
        WHERE {coupon}.id = m.coupon_id AND {coupon}.state = %s
    """  # noqa: S608 -- table names from the models, every value a parameter
    issued = Coupon.State.ISSUED
    with connection.cursor() as cursor:
        cursor.execute(sql, [Coupon.State.REDEEMED, connection.ops.adapt_datetimefield_value(now), *params,
                             issued, issued])
    return _warnings(purchases)


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

