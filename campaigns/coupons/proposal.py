"""The order-entry coupon (the pizza-chain practice): for a customer who buys the same product every N days, a
personal coupon for a larger basket, sooner — e.g. two at once, 10 % off, valid for fewer days than N.

Read for one customer at a time (the card, when he calls or his purchase is entered): one query gives his
last year's purchase days per product, grouped in the database; the pattern is judged from those few rows.
"""
import datetime
import itertools
import math
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from campaigns.models import DiscountKind
from customers.models import Purchase

LOOK_BACK_DAYS = 365
MIN_PURCHASE_DAYS = 4  # three intervals at least before calling anything a pattern
MIN_SHARE = 0.6  # the product is bought on at least this share of the customer's purchase days
INTERVAL_RANGE = (2, 60)  # days: a weekly pizza or a monthly sack of rice, not a yearly boiler service
# Regular: three quarters of the intervals within ±30 % of the median interval (at least ±1 day).
TOLERANCE, REGULAR_SHARE = 0.3, 0.75
BASKET_FACTOR = 2  # "two at once"
DISCOUNT_PERCENT = 10
VALIDITY_SHARE = 0.7  # valid for about 70 % of the usual interval: the next order comes sooner


@dataclass(frozen=True)
class Proposal:
    product_id: int
    product_name: str
    usual_interval_days: int
    usual_quantity: Decimal
    purchase_days: int
    min_quantity: Decimal
    discount_kind: str
    discount_value: int
    valid_days: int
    valid_until: datetime.date


def _is_regular(intervals, median):
    tolerance = max(1.0, TOLERANCE * median)
    within = sum(1 for interval in intervals if abs(interval - median) <= tolerance)
    return within >= REGULAR_SHARE * len(intervals)


def buying_pattern(*, customer, today):
    """(product_id, name, [days], [quantity per day], median interval) of the product bought regularly, or None."""
    rows = (Purchase.objects.filter(customer=customer, product__isnull=False,
                                    purchased_on__gt=today - datetime.timedelta(days=LOOK_BACK_DAYS),
                                    purchased_on__lte=today)
            .values("product_id", "product__name", "purchased_on").annotate(quantity=Sum("quantity")).order_by("product_id",
                                                                                            "purchased_on"))
    per_product, names, all_days = {}, {}, set()
    for row in rows:
        per_product.setdefault(row["product_id"], []).append((row["purchased_on"], row["quantity"]))
        names[row["product_id"]] = row["product__name"]
        all_days.add(row["purchased_on"])
    if not per_product:
        return None
    product_id, bought = max(per_product.items(), key=lambda item: (len(item[1]), -item[0]))
    if len(bought) < MIN_PURCHASE_DAYS or len(bought) < MIN_SHARE * len(all_days):
        return None
    days = [day for day, _quantity in bought]
    intervals = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
    median = statistics.median(intervals)
    if not INTERVAL_RANGE[0] <= median <= INTERVAL_RANGE[1] or not _is_regular(intervals, median):
        return None
    return product_id, names[product_id], days, [quantity for _day, quantity in bought], median


def order_entry_proposal(*, customer, today):
    """What the card proposes for this customer today, or None when he has no regular pattern."""
    pattern = buying_pattern(customer=customer, today=today)
    if pattern is None:
        return None
    product_id, product_name, days, quantities, median = pattern
    usual_quantity = Decimal(statistics.median(quantities))
    interval = round(median)
    valid_days = max(1, min(interval - 1, math.floor(interval * VALIDITY_SHARE)))
    return Proposal(
        product_id=product_id, product_name=product_name,
        usual_interval_days=interval, usual_quantity=usual_quantity, purchase_days=len(days),
        min_quantity=Decimal(math.ceil(usual_quantity * BASKET_FACTOR)), discount_kind=DiscountKind.PERCENT,
        discount_value=DISCOUNT_PERCENT, valid_days=valid_days,
        valid_until=today + datetime.timedelta(days=valid_days - 1))
