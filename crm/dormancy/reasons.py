"""Why a customer went quiet, and what to do about it.

For dormant, at-risk and lost customers, the first that holds:
- product: at most 2 purchase days, or at most 90 days from first to last purchase (tried it, did not like it);
- price: the last purchase fell within 90 days after a price rise of a product the customer had bought, or after a
  competitor event (launch or price cut) concerning such a product, its category, or the whole market;
- customer_side: a steady buyer (at least 6 purchase days over at least 365 days) who stopped with no such event;
- unknown otherwise.

What the list and the card say (advice_for) also follows the rule behind the status: a customer flagged because
his sales halved (or his member spend dropped) still buys, so he is told apart from one who stopped: the volume he
lost, the products he buys less of, a competitor's offer as the likely cause, and an approach about those products.
An at-risk customer (purchase cycle overdue) is described against his own rhythm.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
from dataclasses import dataclass

from django.db.models import F
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import sql
from customers.models import MarketEvent, PriceChange, Product, Purchase

from .models import DormancyReason, DormancyStatus, RuleCode

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


# A customer who still buys, but less (rules halved and member_spend).
BUYING_LESS_REASON = _("Buys less")
BUYING_LESS_EXPLANATION = _(
    "Still buying (last purchase %(date)s), but the last 12 months came to %(last)s against %(previous)s the year "
    "before: %(lost)s less (%(percent)s)."
)
BUYING_LESS_CAUSES = {
    DormancyReason.PRICE: _("Likely cause: a price rise or a competitor's price move."),
}
BUYING_LESS_CAUSE = _("Likely cause: a competitor's offer.")
BUYING_LESS_APPROACH = _(
    "Ask about the products they buy less: who supplies them now, and on what terms. Offer a volume price or a "
    "quote that meets the competitor's."
)
# A customer overdue by his own purchase cycle (at risk).
CYCLE_EXPLANATION = _("Usually buys every %(interval)s days; the last purchase was %(days)s days ago (%(date)s).")
CYCLE_APPROACH = _("Call before they drift away: ask whether an order is due and whether anything has changed.")


def approach_for(reason):
    return APPROACHES.get(reason, "")


@dataclass(frozen=True)
class Advice:
    """What the list and the card say about one customer: why, the likely cause, what to do, and for a customer
    who buys less the products he buys less of ((name, yen lost), largest first). `explanation` is safe HTML
    (dates and amounts do not break across lines)."""

    reason: str
    explanation: str
    approach: str
    cause: str = ""
    products: tuple = ()


def _date(value):
    return format_html('<time datetime="{0}">{0}</time>', value.isoformat()) if value else ""


def _yen(value):
    sign = "−" if value < 0 else ""
    return format_html('<span class="text-nowrap">{}￥{}</span>', sign, f"{abs(int(value)):,}")


def _text(template, **values):
    """`template` % values with every value escaped (the template is our own translated text)."""
    return mark_safe(str(template) % {k: conditional_escape(v) for k, v in values.items()})


def advice_for(dormancy, *, products=()):
    """The Advice for one CustomerDormancy row; `products` from selectors.products_bought_less."""
    reason = dormancy.reason
    if dormancy.is_buying_less:
        percent = dormancy.change_12m_percent
        return Advice(
            reason=BUYING_LESS_REASON,
            explanation=_text(
                BUYING_LESS_EXPLANATION, date=_date(dormancy.last_purchase_on), last=_yen(dormancy.amount_last_12m),
                previous=_yen(dormancy.amount_prev_12m), lost=_yen(-dormancy.amount_change_12m),
                percent="—" if percent is None else f"{'−' if percent < 0 else '+'}{abs(percent)}%",
            ),
            cause=BUYING_LESS_CAUSES.get(reason, BUYING_LESS_CAUSE),
            approach=BUYING_LESS_APPROACH,
            products=tuple(products),
        )
    explanation = EXPLANATIONS.get(reason, "")
    approach = approach_for(reason)
    last = dormancy.last_purchase_on
    if dormancy.rule == RuleCode.CYCLE_OVERDUE and last and dormancy.next_expected_purchase_on:
        explanation = _text(
            CYCLE_EXPLANATION, interval=(dormancy.next_expected_purchase_on - last).days,
            days=dormancy.days_since_last_purchase, date=_date(last),
        )
        if reason in (DormancyReason.CUSTOMER_SIDE, DormancyReason.UNKNOWN, ""):
            approach = CYCLE_APPROACH
    return Advice(
        reason=dormancy.get_reason_display() if reason else gettext("Unknown"),
        explanation=explanation, approach=approach,
    )


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
