"""Why a customer went quiet, and what to do about it.

For dormant, at-risk and lost customers, the first that holds:
- product: at most 2 purchase days, or at most 90 days from first to last purchase (tried it, did not like it);
- price: the last purchase fell within 90 days after a price rise of a product the customer had bought, or after a
  competitor event (launch or price cut) concerning such a product, its category, or the whole market;
- customer_side: a steady buyer (at least 6 purchase days over at least 365 days) who stopped with no such event;
- unknown otherwise.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
from django.utils.translation import gettext_lazy as _

from customers.models import MarketEvent, PriceChange, Product, Purchase

from . import sql
from .models import DormancyReason, DormancyStatus

PRODUCT_MAX_PURCHASE_DAYS = 2
PRODUCT_MAX_SPAN_DAYS = 90
PRICE_WINDOW_DAYS = 90
STEADY_MIN_PURCHASE_DAYS = 6
STEADY_MIN_SPAN_DAYS = 365
COMPETITOR_EVENT_KINDS = [MarketEvent.Kind.COMPETITOR_LAUNCH, MarketEvent.Kind.COMPETITOR_PRICE_CUT]
EXPLAINED_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST]

# The recommended approach per reason: shown on the card and read by the campaign playbooks.
APPROACHES = {
    DormancyReason.PRODUCT: _("Show the benefits and cases of customers who succeeded with the product."),
    DormancyReason.PRICE: _("Offer a better plan, a campaign or a coupon."),
    DormancyReason.CUSTOMER_SIDE: _("Suggest other products, and make a no-pitch call to ask how they are doing."),
    DormancyReason.UNKNOWN: _("Make a no-pitch call to find out why they stopped."),
}

# Why a reason was given, for the card.
EXPLANATIONS = {
    DormancyReason.PRODUCT: _("Bought on at most 2 days, or stopped within 90 days of the first purchase."),
    DormancyReason.PRICE: _("Stopped within 90 days after a price rise or a competitor's move on what they bought."),
    DormancyReason.CUSTOMER_SIDE: _("A steady buyer for over a year who stopped with no price rise or competitor event."),
    DormancyReason.UNKNOWN: _("None of the known patterns fits."),
}


def approach_for(reason):
    return APPROACHES.get(reason, "")


def reason_case_sql(alias="s"):
    """(sql, params): a CASE giving the reason for the row `alias` of the staging table (last/first purchase etc.)."""
    d = sql.days_between
    last, first = f"{alias}.last_purchase_on", f"{alias}.first_purchase_on"
    purchase, price_change = sql.table(Purchase), sql.table(PriceChange)
    event, product = sql.table(MarketEvent), sql.table(Product)
    window_start = f"{d(last, 'x.on_date')} BETWEEN 0 AND %s"  # the last purchase is 0–90 days after the event
    price_rise = (
        f"EXISTS (SELECT 1 FROM {price_change} x JOIN {purchase} p ON p.product_id = x.product_id "
        f"WHERE p.customer_id = {alias}.customer_id AND p.purchased_on <= {last} AND x.new_price > x.old_price "
        f"AND {window_start.replace('x.on_date', 'x.changed_on')})"
    )
    competitor = (
        f"EXISTS (SELECT 1 FROM {event} x WHERE x.kind IN (%s, %s) "
        f"AND {window_start.replace('x.on_date', 'x.occurred_on')} AND ("
        f"(x.product_id IS NULL AND x.category = '') OR EXISTS ("
        f"SELECT 1 FROM {purchase} p LEFT JOIN {product} pr ON pr.id = p.product_id "
        f"WHERE p.customer_id = {alias}.customer_id AND p.purchased_on <= {last} "
        f"AND (p.product_id = x.product_id OR (x.category <> '' AND pr.category = x.category)))))"
    )
    statuses = ", ".join(["%s"] * len(EXPLAINED_STATUSES))
    text = (
        f"CASE WHEN {alias}.status NOT IN ({statuses}) THEN '' "
        f"WHEN {alias}.purchase_days <= %s OR {d(last, first)} <= %s THEN %s "
        f"WHEN {price_rise} OR {competitor} THEN %s "
        f"WHEN {alias}.purchase_days >= %s AND {d(last, first)} >= %s THEN %s "
        f"ELSE %s END"
    )
    params = [
        *[s.value for s in EXPLAINED_STATUSES],
        PRODUCT_MAX_PURCHASE_DAYS, PRODUCT_MAX_SPAN_DAYS, DormancyReason.PRODUCT.value,
        PRICE_WINDOW_DAYS, *[k.value for k in COMPETITOR_EVENT_KINDS], PRICE_WINDOW_DAYS,
        DormancyReason.PRICE.value,
        STEADY_MIN_PURCHASE_DAYS, STEADY_MIN_SPAN_DAYS, DormancyReason.CUSTOMER_SIDE.value,
        DormancyReason.UNKNOWN.value,
    ]
    return text, params
