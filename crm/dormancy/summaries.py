"""Step 1 of the scan: bring the per-customer purchase figures up to `as_of`.

The purchases module owns those figures (customers.purchases.summary.refresh_purchase_summaries). Until it is
installed the engine refreshes them itself with the same definitions, so the scan never runs on stale figures:
last 12 months = as_of−364 … as_of, previous 12 months = as_of−729 … as_of−365, purchase days = distinct dates,
median interval = median gap between consecutive purchase days.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import datetime
import importlib

from django.db import transaction
from django.utils import timezone

from customers.models import CustomerPurchaseSummary, Purchase

from . import sql


def refresh_summaries(*, as_of):
    try:
        module = importlib.import_module("customers.purchases.summary")
    except ModuleNotFoundError:
        return _refresh_here(as_of=as_of)
    return module.refresh_purchase_summaries(as_of=as_of)


MEDIAN_SQL = """
WITH days AS (
    SELECT DISTINCT customer_id, purchased_on FROM {purchase} WHERE purchased_on <= {d}
), gaps AS (
    SELECT customer_id,
           {gap} AS gap
    FROM (SELECT customer_id, purchased_on,
                 LAG(purchased_on) OVER (PARTITION BY customer_id ORDER BY purchased_on) AS prev_on
          FROM days) d
    WHERE prev_on IS NOT NULL
), ranked AS (
    SELECT customer_id, gap,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY gap) AS rn,
           COUNT(*) OVER (PARTITION BY customer_id) AS n
    FROM gaps
)
SELECT customer_id, AVG(1.0 * gap) AS median_gap FROM ranked
WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY customer_id
"""


@transaction.atomic
def _refresh_here(*, as_of):
    summary, purchase = sql.table(CustomerPurchaseSummary), sql.table(Purchase)
    d = sql.date_param()
    last_from = as_of - datetime.timedelta(days=364)
    prev_from, prev_to = as_of - datetime.timedelta(days=729), as_of - datetime.timedelta(days=365)
    sql.execute(f"DELETE FROM {summary}")
    sql.execute(
        f"""
        INSERT INTO {summary} (customer_id, first_purchase_on, last_purchase_on, purchase_days, total_amount,
                               amount_last_12m, amount_prev_12m, median_interval_days, as_of, updated_at)
        SELECT p.customer_id, MIN(p.purchased_on), MAX(p.purchased_on), COUNT(DISTINCT p.purchased_on),
               SUM(p.amount),
               SUM(CASE WHEN p.purchased_on >= {d} THEN p.amount ELSE 0 END),
               SUM(CASE WHEN p.purchased_on >= {d} AND p.purchased_on <= {d} THEN p.amount ELSE 0 END),
               m.median_gap, {d}, %s
        FROM {purchase} p
        LEFT JOIN ({MEDIAN_SQL.format(purchase=purchase, d=d, gap=sql.days_between("purchased_on", "prev_on"))}) m
               ON m.customer_id = p.customer_id
        WHERE p.purchased_on <= {d}
        GROUP BY p.customer_id, m.median_gap
        """,
        [last_from, prev_from, prev_to, as_of, timezone.now(), as_of, as_of],
    )
