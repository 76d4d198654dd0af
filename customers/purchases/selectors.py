"""Reads of purchase history: the purchases list/export query and the customer card's purchases panel."""
import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncYear

from customers.models import CustomerPurchaseSummary, MarketEvent, PriceChange, Product, Purchase

PANEL_RECENT_LIMIT = 50
TOP_PRODUCTS = 5
EXPORT_HEADER = ("customer_code", "customer_name", "purchased_on", "product_code", "product_name", "category",
                 "quantity", "amount", "store", "order_ref", "coupon_code")


def purchase_list():
    """All purchase lines, newest first, with what the list and the export show."""
    return Purchase.objects.select_related("customer", "product").order_by("-purchased_on", "-pk")


def purchase_export_rows(queryset):
    """Plain values in EXPORT_HEADER order (formula neutralization happens in the writer)."""
    rows = queryset.values_list(
        "customer__code", "customer__name", "purchased_on", "product__code", "product__name", "product__category",
        "quantity", "amount", "store", "order_ref", "coupon_code",
    )
    for row in rows.iterator(chunk_size=5000):
        row = list(row)
        row[2] = row[2].isoformat()
        row[6] = float(row[6]) if row[6] is not None else None
        yield [value if value is not None else "" for value in row]


def product_categories():
    return list(Product.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct())


def _month_range(first, last):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month += relativedelta(months=1)


def customer_purchase_panel(*, customer, today):
    """Everything the purchases panel of the customer card shows, in a handful of queries."""
    purchases = Purchase.objects.filter(customer=customer)
    summary = CustomerPurchaseSummary.objects.filter(customer=customer).first()
    since = today - relativedelta(months=12)
    recent = list(
        purchases.filter(purchased_on__gt=since, purchased_on__lte=today)
        .select_related("product").order_by("-purchased_on", "-pk")[:PANEL_RECENT_LIMIT]
    )
    recent_total = purchases.filter(purchased_on__gt=since, purchased_on__lte=today).aggregate(
        amount=Sum("amount"), lines=Count("pk"))
    yearly = list(
        purchases.annotate(year=TruncYear("purchased_on")).values("year")
        .annotate(amount=Sum("amount"), lines=Count("pk")).order_by("-year")
    )
    monthly_rows = {
        row["month"]: row["amount"]
        for row in purchases.annotate(month=TruncMonth("purchased_on")).values("month")
        .annotate(amount=Sum("amount")).order_by("month")
    }
    monthly_rows = {(m.date() if isinstance(m, dt.datetime) else m): a for m, a in monthly_rows.items()}
    chart = {"labels": [], "values": []}
    if monthly_rows:
        for month in _month_range(min(monthly_rows), max(max(monthly_rows), today.replace(day=1))):
            chart["labels"].append(month.strftime("%Y-%m"))
            chart["values"].append(monthly_rows.get(month, 0))
    last_12_months = [
        {"month": month, "amount": monthly_rows.get(month, 0)}
        for month in _month_range((today - relativedelta(months=11)).replace(day=1), today.replace(day=1))
    ]
    top_products = list(
        purchases.filter(product__isnull=False).values("product__code", "product__name")
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"), lines=Count("pk"))
        .order_by("-amount")[:TOP_PRODUCTS]
    )
    next_expected_on = None
    is_overdue = False
    if summary and summary.median_interval_days and summary.last_purchase_on:
        next_expected_on = summary.last_purchase_on + dt.timedelta(days=round(summary.median_interval_days))
        is_overdue = next_expected_on < today
    return {
        "summary": summary,
        "recent": recent,
        "recent_total": recent_total["amount"] or 0,
        "recent_lines": recent_total["lines"],
        "recent_truncated": recent_total["lines"] > len(recent),
        "yearly": yearly,
        "last_12_months": last_12_months,
        "chart": chart,
        "top_products": top_products,
        "usual_interval_days": round(summary.median_interval_days) if summary and summary.median_interval_days else None,
        "next_expected_on": next_expected_on,
        "is_overdue": is_overdue,
    }


def catalogue():
    """The product-management page: products, recorded price changes and market events."""
    return {
        "products": Product.objects.order_by("code"),
        "price_changes": PriceChange.objects.select_related("product").order_by("-changed_on", "-pk")[:100],
        "market_events": MarketEvent.objects.select_related("product", "created_by").order_by("-occurred_on", "-pk")[:100],
    }
