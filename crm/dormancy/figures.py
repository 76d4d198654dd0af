"""The scan's first step: every customer's purchase figures at as_of, read from the maintained summaries.

The summary (customers.purchases.summary) is maintained whenever purchases change, so only its two moving
12-month windows need the nightly refresh (customers.purchases.windows), rows written only where a value changed:

- shift (a normal night: the last successful scan was 0–31 days earlier and its windows were applied to every
  row): only the purchases whose day crossed a window boundary since that scan are read, plus, for customers
  whose summary was rewritten since (imports, edits, merges: `updated_at` after that scan's start), their own
  purchases; a second scan of the same day reads only the latter;
- first scan of a fresh engine: every summary row carries the date its windows were computed for (`as_of`);
  the rows of other dates are recomputed from their own purchases, the rest are used as they are;
- full (`full=True`, the weekly verification, a longer gap, a big import, a past date, or more than
  MAX_TOUCHED_FOR_SHIFT rows to recompute): one pass over the purchases of the 730 days up to as_of.

Summary writers and the scan are serialised by SUMMARY_WRITE_LOCK (see summary.py), so "rewritten since the
last scan" is exact. The passes also check the summary:

- a customer with purchases but no summary row, a summary whose last purchase is older than a purchase read,
  or (full pass) one whose last purchase in the window is gone → stale: refreshed by the summary module
  (purchases written without the summary's maintenance are caught here: in the days read by a shift, and
  anywhere in the last 730 days by the full pass);
- a summary whose last purchase is after as_of (a scan for a past date) → the figures for this run are computed
  from the purchases up to as_of into a temp table, and the stored summary is left as it is.

`refresh_figures` returns the SQL relation the rest of the scan reads the figures from: the summary table, or the
summary with those past-dated customers swapped for their recomputed figures.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import datetime

from django.db import connection

from crm import sql
from customers.models import Customer, CustomerPurchaseSummary, Purchase
from customers.purchases.summary import SUMMARY_WRITE_LOCK, refresh_purchase_summaries
from customers.purchases.windows import (
    apply_purchase_windows,
    apply_window_shift,
    collect_purchase_windows,
    collect_window_shift,
    purchase_figures_sql,
    window_starts,
)

from .models import ScanRun

WINDOWS = "dormancy_scan_windows"
SHIFT = "dormancy_scan_window_shift"
TOUCHED = "dormancy_scan_touched"
MAX_SHIFT_DAYS = 31  # a longer gap since the last scan: the full pass is as cheap
MAX_TOUCHED_FOR_SHIFT = 100_000  # more rewritten summaries than this (a big import): the full pass is cheaper
PAST_IDS = "dormancy_scan_past_ids"
PAST_FIGURES = "dormancy_scan_past_figures"
FIGURE_COLUMNS = (
    "customer_id, first_purchase_on, last_purchase_on, purchase_days, total_amount, amount_last_12m, "
    "amount_prev_12m, median_interval_days"
)


def refresh_figures(*, as_of, full=False):
    """(relation SQL, counts) — see the module docstring."""
    if not full:
        summary = sql.table(CustomerPurchaseSummary)
        previous = _previous_windows(as_of)
        if previous is not None:
            since, scan_started = previous
            touched_sql, params = f"SELECT customer_id FROM {summary} WHERE updated_at >= %s", [scan_started]
        elif not ScanRun.objects.filter(outcome=ScanRun.Outcome.SUCCEEDED).exists():
            # A fresh engine: each row's windows are those of the date it was written for.
            since = as_of
            touched_sql, params = f"SELECT customer_id FROM {summary} WHERE as_of <> {sql.date_param()}", [as_of]
        else:
            since = None
        if since is not None:
            sql.execute(f"DROP TABLE IF EXISTS {TOUCHED}")
            sql.execute(sql.temp_table(TOUCHED, touched_sql), params)
            touched = sql.fetch_all(f"SELECT COUNT(*) FROM {TOUCHED}")[0][0]
            if touched <= MAX_TOUCHED_FOR_SHIFT:
                return _shift(as_of=as_of, since=since, touched=touched)
    return _full(as_of=as_of)


def lock_summaries():
    """Wait for summary writers in flight, and keep new ones waiting until the scan's transaction ends."""
    if sql.is_postgres():
        sql.fetch_all("SELECT pg_advisory_xact_lock(%s)", [SUMMARY_WRITE_LOCK])


def _previous_windows(as_of):
    """(windows date, start time) of the last successful scan, when a shift from it is possible."""
    run = ScanRun.objects.filter(outcome=ScanRun.Outcome.SUCCEEDED).order_by("-started_at", "-pk").first()
    figures = (run.counts or {}).get("figures", {}) if run else {}
    if not figures.get("windows_as_of") or figures.get("recomputed_for_past_date"):
        return None
    since = datetime.date.fromisoformat(figures["windows_as_of"])
    if not 0 <= (as_of - since).days <= MAX_SHIFT_DAYS:
        return None
    return since, run.started_at


def _full(*, as_of):
    summary, purchase, customer = sql.table(CustomerPurchaseSummary), sql.table(Purchase), sql.table(Customer)
    d = sql.date_param()
    counts = {"mode": "full", "in_windows": collect_purchase_windows(as_of=as_of, table=WINDOWS)}
    _, prev_from = window_starts(as_of)
    stale = [
        pk for (pk,) in sql.fetch_all(
            f"SELECT w.customer_id FROM {WINDOWS} w LEFT JOIN {summary} s ON s.customer_id = w.customer_id "
            f"WHERE s.customer_id IS NULL OR s.last_purchase_on < w.last_purchase_on "
            f"UNION SELECT s.customer_id FROM {summary} s LEFT JOIN {WINDOWS} w ON w.customer_id = s.customer_id "
            f"WHERE s.last_purchase_on >= {d} AND s.last_purchase_on <= {d} "
            f"AND (w.customer_id IS NULL OR w.last_purchase_on < s.last_purchase_on) "
            f"UNION {_missing_sql(customer, summary, purchase)}",
            [prev_from, as_of],
        )
    ]
    if stale:
        refresh_purchase_summaries(as_of=as_of, customer_ids=stale)
    counts["stale_summaries"] = len(stale)
    past = _past_ids(as_of)
    counts["recomputed_for_past_date"] = past
    counts["windows_written"] = apply_purchase_windows(
        as_of=as_of, table=WINDOWS, skip_table=PAST_IDS if past else None
    )
    sql.execute(f"DROP TABLE IF EXISTS {WINDOWS}")
    return _relation(as_of, past), {**counts, "windows_as_of": as_of.isoformat()}


def _shift(*, as_of, since, touched):
    """Move the windows from the previous scan's date: boundary days only, plus the customers whose summary was
    rewritten since (recomputed from their own purchases)."""
    summary, purchase, customer = sql.table(CustomerPurchaseSummary), sql.table(Purchase), sql.table(Customer)
    counts = {"mode": "shift", "shifted_from": since.isoformat(), "touched": touched}
    moved = as_of > since
    counts["in_shift"] = collect_window_shift(since=since, as_of=as_of, table=SHIFT) if moved else 0
    # A purchase newer than the summary's last one (written without the summary's maintenance) → stale.
    newer = (
        f"SELECT w.customer_id FROM {SHIFT} w LEFT JOIN {summary} s ON s.customer_id = w.customer_id "
        f"WHERE w.newest_purchase_on IS NOT NULL AND (s.customer_id IS NULL "
        f"OR s.last_purchase_on < w.newest_purchase_on) UNION " if moved else ""
    )
    stale = [pk for (pk,) in sql.fetch_all(f"{newer}{_missing_sql(customer, summary, purchase)}")]
    if stale:
        refresh_purchase_summaries(as_of=as_of, customer_ids=stale)
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {TOUCHED} (customer_id) VALUES (%s)", [(pk,) for pk in stale])
    counts["stale_summaries"] = len(stale)
    past = _past_ids(as_of)
    counts["recomputed_for_past_date"] = past
    skip = TOUCHED
    if past:
        sql.execute(f"INSERT INTO {TOUCHED} (customer_id) SELECT customer_id FROM {PAST_IDS}")
    written = apply_window_shift(as_of=as_of, table=SHIFT, skip_table=skip) if moved else 0
    # The touched customers' windows from their own purchases (the (customer_id, purchased_on) index).
    collect_purchase_windows(as_of=as_of, table=WINDOWS, scope_table=TOUCHED)
    written += apply_purchase_windows(
        as_of=as_of, table=WINDOWS, scope_table=TOUCHED, skip_table=PAST_IDS if past else None
    )
    counts["windows_written"] = written
    for name in (SHIFT, WINDOWS):
        sql.execute(f"DROP TABLE IF EXISTS {name}")
    return _relation(as_of, past), {**counts, "windows_as_of": as_of.isoformat()}


def _missing_sql(customer, summary, purchase):
    """Customers with purchases but no summary row."""
    return (
        f"SELECT c.id FROM {customer} c WHERE NOT EXISTS (SELECT 1 FROM {summary} s WHERE s.customer_id = c.id) "
        f"AND EXISTS (SELECT 1 FROM {purchase} p WHERE p.customer_id = c.id)"
    )


def _past_ids(as_of):
    summary = sql.table(CustomerPurchaseSummary)
    sql.execute(f"DROP TABLE IF EXISTS {PAST_IDS}")
    sql.execute(
        sql.temp_table(PAST_IDS, f"SELECT customer_id FROM {summary} WHERE last_purchase_on > {sql.date_param()}"),
        [as_of],
    )
    return sql.fetch_all(f"SELECT COUNT(*) FROM {PAST_IDS}")[0][0]


def _relation(as_of, past):
    summary = sql.table(CustomerPurchaseSummary)
    if not past:
        return summary
    figures, params = purchase_figures_sql(as_of=as_of, scope_table=PAST_IDS)
    sql.execute(f"DROP TABLE IF EXISTS {PAST_FIGURES}")
    sql.execute(sql.temp_table(PAST_FIGURES, figures), params)
    return (
        f"(SELECT {FIGURE_COLUMNS} FROM {summary} WHERE customer_id NOT IN (SELECT customer_id FROM {PAST_IDS}) "
        f"UNION ALL SELECT {FIGURE_COLUMNS} FROM {PAST_FIGURES})"
    )
