"""The scan's first step: every customer's purchase figures at as_of, at the cost of the last 730 days of purchases.

The summary (customers.purchases.summary) is maintained whenever purchases change, so only its two moving
12-month windows need the nightly refresh (customers.purchases.windows: one pass over the purchases of the 730
days up to as_of, rows written only where a value changed). That same pass also checks the summary:

- a customer with purchases but no summary row, a summary whose last purchase is older than a purchase in the
  window, or one whose last purchase in the window is gone → stale: refreshed by the summary module;
- a summary whose last purchase is after as_of (a scan for a past date) → the figures for this run are computed
  from the purchases up to as_of into a temp table, and the stored summary is left as it is.

`refresh_figures` returns the SQL relation the rest of the scan reads the figures from: the summary table, or the
summary with those past-dated customers swapped for their recomputed figures.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
from customers.models import Customer, CustomerPurchaseSummary, Purchase
from customers.purchases.summary import refresh_purchase_summaries
from customers.purchases.windows import (
    apply_purchase_windows,
    collect_purchase_windows,
    purchase_figures_sql,
    window_starts,
)

from . import sql

WINDOWS = "dormancy_scan_windows"
PAST_IDS = "dormancy_scan_past_ids"
PAST_FIGURES = "dormancy_scan_past_figures"
FIGURE_COLUMNS = (
    "customer_id, first_purchase_on, last_purchase_on, purchase_days, total_amount, amount_last_12m, "
    "amount_prev_12m, median_interval_days"
)


def refresh_figures(*, as_of):
    """(relation SQL, counts) — see the module docstring."""
    summary, purchase, customer = sql.table(CustomerPurchaseSummary), sql.table(Purchase), sql.table(Customer)
    d = sql.date_param()
    counts = {"in_windows": collect_purchase_windows(as_of=as_of, table=WINDOWS)}
    _, prev_from = window_starts(as_of)
    stale = [
        pk for (pk,) in sql.fetch_all(
            f"SELECT w.customer_id FROM {WINDOWS} w LEFT JOIN {summary} s ON s.customer_id = w.customer_id "
            f"WHERE s.customer_id IS NULL OR s.last_purchase_on < w.last_purchase_on "
            f"UNION SELECT s.customer_id FROM {summary} s LEFT JOIN {WINDOWS} w ON w.customer_id = s.customer_id "
            f"WHERE s.last_purchase_on >= {d} AND s.last_purchase_on <= {d} "
            f"AND (w.customer_id IS NULL OR w.last_purchase_on < s.last_purchase_on) "
            f"UNION SELECT c.id FROM {customer} c WHERE NOT EXISTS "
            f"(SELECT 1 FROM {summary} s WHERE s.customer_id = c.id) "
            f"AND EXISTS (SELECT 1 FROM {purchase} p WHERE p.customer_id = c.id)",
            [prev_from, as_of],
        )
    ]
    if stale:
        refresh_purchase_summaries(as_of=as_of, customer_ids=stale)
    counts["stale_summaries"] = len(stale)
    sql.execute(f"DROP TABLE IF EXISTS {PAST_IDS}")
    sql.execute(sql.temp_table(PAST_IDS, f"SELECT customer_id FROM {summary} WHERE last_purchase_on > {d}"), [as_of])
    past = sql.fetch_all(f"SELECT COUNT(*) FROM {PAST_IDS}")[0][0]
    counts["recomputed_for_past_date"] = past
    counts["windows_written"] = apply_purchase_windows(table=WINDOWS, skip_table=PAST_IDS if past else None)
    sql.execute(f"DROP TABLE IF EXISTS {WINDOWS}")
    if not past:
        return summary, counts
    figures, params = purchase_figures_sql(as_of=as_of, scope_table=PAST_IDS)
    sql.execute(f"DROP TABLE IF EXISTS {PAST_FIGURES}")
    sql.execute(sql.temp_table(PAST_FIGURES, figures), params)
    relation = (
        f"(SELECT {FIGURE_COLUMNS} FROM {summary} WHERE customer_id NOT IN (SELECT customer_id FROM {PAST_IDS}) "
        f"UNION ALL SELECT {FIGURE_COLUMNS} FROM {PAST_FIGURES})"
    )
    return relation, counts
