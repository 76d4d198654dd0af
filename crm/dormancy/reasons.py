"""Why a customer went quiet, and what to do about it.

For dormant, at-risk and lost customers, the first that holds:
- product: at most 2 purchase days, or at most 90 days from first to last purchase (tried it, did not like it);
- price: the last purchase fell within 90 days after a price rise of a product the customer had bought, or after a
  competitor event (launch or price cut) concerning such a product, its category, or the whole market;
- customer_side: a steady buyer (at least 6 purchase days over at least 365 days) who stopped with no such event;
- unknown otherwise.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from crm import sql
from customers.models import MarketEvent, PriceChange, Product, Purchase

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


def _window(last, column):
    """The last purchase fell 0–90 days after `column` — as a range on `column`, so its index can serve."""
    if sql.is_postgres():
        return f"{column} <= {last} AND {column} >= {last} - %s"
    return f"{sql.days_between(last, column)} BETWEEN 0 AND %s"


def reason_case_sql(alias="s"):
    """(sql, params): a CASE giving the reason for row `alias` (status, purchase days, first/last purchase, id).

    The price test looks for an event in the 90 days before the last purchase first, and only then for a purchase
    of the product concerned; with no price rise or competitor event recorded at all it is left out.
    """
    d = sql.days_between
    last, first = f"{alias}.last_purchase_on", f"{alias}.first_purchase_on"
    purchase, price_change = sql.table(Purchase), sql.table(PriceChange)
    event, product = sql.table(MarketEvent), sql.table(Product)
    has_rises = PriceChange.objects.filter(new_price__gt=F("old_price")).exists()
    has_events = MarketEvent.objects.filter(kind__in=COMPETITOR_EVENT_KINDS).exists()
    tests, test_params = [], []
    if has_rises:
        tests.append(
            f"EXISTS (SELECT 1 FROM {price_change} x WHERE x.new_price > x.old_price "
            f"AND {_window(last, 'x.changed_on')} AND EXISTS (SELECT 1 FROM {purchase} p "
            f"WHERE p.customer_id = {alias}.customer_id AND p.product_id = x.product_id AND p.purchased_on <= {last}))"
        )
        test_params.append(PRICE_WINDOW_DAYS)
    if has_events:
        tests.append(
            f"EXISTS (SELECT 1 FROM {event} x WHERE x.kind IN (%s, %s) AND {_window(last, 'x.occurred_on')} AND ("
            f"(x.product_id IS NULL AND x.category = '') OR EXISTS ("
            f"SELECT 1 FROM {purchase} p LEFT JOIN {product} pr ON pr.id = p.product_id "
            f"WHERE p.customer_id = {alias}.customer_id AND p.purchased_on <= {last} "
            f"AND (p.product_id = x.product_id OR (x.category <> '' AND pr.category = x.category)))))"
        )
        test_params += [*[k.value for k in COMPETITOR_EVENT_KINDS], PRICE_WINDOW_DAYS]
    price_test = " OR ".join(tests) or "1 = 0"
    statuses = ", ".join(["%s"] * len(EXPLAINED_STATUSES))
    text = (
        f"CASE WHEN {alias}.status NOT IN ({statuses}) THEN '' "
        f"WHEN {alias}.purchase_days <= %s OR {d(last, first)} <= %s THEN %s "
        f"WHEN {price_test} THEN %s "
        f"WHEN {alias}.purchase_days >= %s AND {d(last, first)} >= %s THEN %s "
        f"ELSE %s END"
    )
    params = [
        *[s.value for s in EXPLAINED_STATUSES],
        PRODUCT_MAX_PURCHASE_DAYS, PRODUCT_MAX_SPAN_DAYS, DormancyReason.PRODUCT.value,
        *test_params, DormancyReason.PRICE.value,
        STEADY_MIN_PURCHASE_DAYS, STEADY_MIN_SPAN_DAYS, DormancyReason.CUSTOMER_SIDE.value,
        DormancyReason.UNKNOWN.value,
    ]
    return text, params
