"""CustomerPurchaseSummary maintenance: one set-based statement recomputes the figures of many customers.

Called by the import, by purchase edit/delete services, by customer merge and by the nightly dormancy
scan (first, because the 12-month windows move every day). Customers without purchases get NO summary
row: an existing row is deleted when the customer's last purchase goes away.

Windows, for as_of = D: "last 12 months" is the 365 days D-364 … D, "previous 12 months" the 365 days before
(D-729 … D-365): the same definition as the nightly window refresh (windows.py) and the dormancy "halved" rule.
The median interval is the median of the gaps in days between
consecutive distinct purchase days (NULL with fewer than two purchase days).

Concurrency with the nightly scan (PostgreSQL): every writer holds SUMMARY_WRITE_LOCK in shared mode until its
transaction ends and the scan takes it exclusively, so no summary write straddles a scan; `updated_at` is the
clock time of the write (not the transaction's start), so a write that waited for a scan is dated after it and
the next scan knows to recompute that customer's windows.
"""
# ruff: noqa: S608 -- SQL here is assembled from constant table names and code-written conditions; every value is a parameter.
import datetime

from django.db import connection, transaction

from .windows import window_starts

PURCHASE = "customers_purchase"
SUMMARY = "customers_customerpurchasesummary"
# pg_advisory_xact_lock key shared by every summary writer, taken exclusively by the dormancy scan.
SUMMARY_WRITE_LOCK = 0x6D7A73756D  # "mzsum"
SUMMARY_COLUMNS = (
    "customer_id, first_purchase_on, last_purchase_on, purchase_days, total_amount, "
    "amount_last_12m, amount_prev_12m, median_interval_days, as_of, updated_at"
)


def window_bounds(as_of):
    """(start of the last-12-months window, start of the previous one); both exclusive."""
    last_first_day, previous_first_day = window_starts(as_of)
    one_day = datetime.timedelta(days=1)
    return last_first_day - one_day, previous_first_day - one_day


_UPSERT = """
    ON CONFLICT (customer_id) DO UPDATE SET
        first_purchase_on = EXCLUDED.first_purchase_on,
        last_purchase_on = EXCLUDED.last_purchase_on,
        purchase_days = EXCLUDED.purchase_days,
        total_amount = EXCLUDED.total_amount,
        amount_last_12m = EXCLUDED.amount_last_12m,
        amount_prev_12m = EXCLUDED.amount_prev_12m,
        median_interval_days = EXCLUDED.median_interval_days,
        as_of = EXCLUDED.as_of,
        updated_at = EXCLUDED.updated_at
"""
# Figures from purchase lines ordered by day within a customer, with gap = day - previous line's day.
# Lines of the same day have gap 0, the first line of a later day has the gap to the previous purchase DAY,
# so no per-day grouping is needed: purchase days are the lines whose gap is not 0, and the median interval
# is the median of the non-zero gaps (percentile_cont ignores the NULL gap of the first line).
_FIGURES = """
    MIN(day), MAX(day), COUNT(*) FILTER (WHERE gap IS DISTINCT FROM 0), SUM(amount),
    COALESCE(SUM(amount) FILTER (WHERE day > %(last_start)s AND day <= %(as_of)s), 0),
    COALESCE(SUM(amount) FILTER (WHERE day > %(prev_start)s AND day <= %(last_start)s), 0),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FILTER (WHERE gap > 0),
    %(as_of)s, clock_timestamp()
"""


def _postgres_sql(scope):
    # Whole-table (or broad) refresh: one pass, the planner picks a scan and a sort.
    return f"""
        INSERT INTO {SUMMARY} ({SUMMARY_COLUMNS})
        SELECT customer_id, {_FIGURES}
        FROM (
            SELECT customer_id, purchased_on AS day, amount,
                   purchased_on - LAG(purchased_on) OVER (PARTITION BY customer_id ORDER BY purchased_on) AS gap
            FROM {PURCHASE} WHERE {scope}
        ) AS lines
        GROUP BY customer_id
        {_UPSERT}
    """


def _postgres_table_sql(table):
    # The customers of an import: per customer, an index-only scan of (customer_id, purchased_on) INCLUDE
    # (amount) already in day order, so neither the purchases table nor a sort of millions of lines is read.
    # Customers in id order, so the index and the summary table are walked front to back rather than at
    # random (with small shared buffers the random order costs ~3x: pages evicted and read again).
    return f"""
        INSERT INTO {SUMMARY} ({SUMMARY_COLUMNS})
        SELECT s.customer_id, f.*
        FROM (SELECT customer_id FROM {table} ORDER BY customer_id) AS s
        CROSS JOIN LATERAL (
            SELECT {_FIGURES}
            FROM (
                SELECT purchased_on AS day, amount,
                       purchased_on - LAG(purchased_on) OVER (ORDER BY purchased_on) AS gap
                FROM {PURCHASE} p WHERE p.customer_id = s.customer_id
            ) AS lines
            HAVING COUNT(*) > 0
        ) AS f
        {_UPSERT}
    """


def _sqlite_sql(scope):
    # SQLite has no percentile_cont: the median is filled in afterwards (see _sqlite_medians).
    return f"""
        INSERT INTO {SUMMARY} ({SUMMARY_COLUMNS})
        SELECT customer_id, MIN(day), MAX(day), COUNT(*), SUM(amount),
               COALESCE(SUM(CASE WHEN day > %(last_start)s AND day <= %(as_of)s THEN amount END), 0),
               COALESCE(SUM(CASE WHEN day > %(prev_start)s AND day <= %(last_start)s THEN amount END), 0),
               NULL, %(as_of)s, strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')
        FROM (
            SELECT customer_id, purchased_on AS day, SUM(amount) AS amount
            FROM {PURCHASE} WHERE {scope}
            GROUP BY customer_id, purchased_on
        ) AS days
        WHERE true
        GROUP BY customer_id
        {_UPSERT}
    """


def _sqlite_medians(cursor, scope, params):
    import pandas as pd

    cursor.execute(
        f"""
        SELECT customer_id, julianday(day) - julianday(LAG(day) OVER (PARTITION BY customer_id ORDER BY day))
        FROM (SELECT DISTINCT customer_id, purchased_on AS day FROM {PURCHASE} WHERE {scope}) AS days
        """,
        params,
    )
    gaps = pd.DataFrame(cursor.fetchall(), columns=["customer_id", "gap"]).dropna()
    if gaps.empty:
        return
    medians = gaps.groupby("customer_id")["gap"].median()
    cursor.executemany(
        f"UPDATE {SUMMARY} SET median_interval_days = %s WHERE customer_id = %s",
        [(float(value), int(customer_id)) for customer_id, value in medians.items()],
    )


def refresh_summaries_where(cursor, *, as_of, scope="1=1", scope_params=None, vendor=None, scope_table=None,
                            purchases_removed=True):
    """Recompute summaries for the customers matched by `scope`, a condition on a customer-id column
    written as {col} (e.g. "{col} IN (SELECT customer_id FROM some_temp_table)"), or listed in `scope_table`
    (a table with a unique customer_id column; takes precedence over scope). Usable with any DB-API cursor,
    which is how bench/ and the importer call it. purchases_removed=False skips looking for customers left
    without purchases (an import only adds). Returns the number of summary rows written."""
    vendor = vendor or connection.vendor
    if vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [SUMMARY_WRITE_LOCK])
    if scope_table is not None:
        scope = f"{{col}} IN (SELECT customer_id FROM {scope_table})"
    purchase_scope = scope.format(col="customer_id")
    last_start, prev_start = window_bounds(as_of)
    params = {"as_of": as_of, "last_start": last_start, "prev_start": prev_start, **(scope_params or {})}
    if vendor == "postgresql":
        cursor.execute(_postgres_table_sql(scope_table) if scope_table else _postgres_sql(purchase_scope), params)
        written = cursor.rowcount
    else:
        params = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()}
        cursor.execute(_sqlite_sql(purchase_scope), params)
        written = cursor.rowcount
        _sqlite_medians(cursor, purchase_scope, params)
    if purchases_removed:
        # Customers in scope whose purchases are all gone keep no row.
        delete_scope = scope.format(col=f"{SUMMARY}.customer_id")
        cursor.execute(
            f"DELETE FROM {SUMMARY} WHERE ({delete_scope}) AND NOT EXISTS "
            f"(SELECT 1 FROM {PURCHASE} p WHERE p.customer_id = {SUMMARY}.customer_id)",
            params,
        )
    return written


def refresh_purchase_summaries(*, as_of, customer_ids=None):
    """Recompute CustomerPurchaseSummary for all customers, or for the given ids. Returns rows written."""
    if customer_ids is not None:
        customer_ids = sorted({int(pk) for pk in customer_ids})
        if not customer_ids:
            return 0
    with transaction.atomic(), connection.cursor() as cursor:
        if customer_ids is None:
            return refresh_summaries_where(cursor, as_of=as_of)
        if connection.vendor == "postgresql":
            return refresh_summaries_where(
                cursor, as_of=as_of, scope="{col} = ANY(%(ids)s)", scope_params={"ids": customer_ids}
            )
        # SQLite: a temp table rather than a huge IN list (its variable limit).
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS mz_summary_scope (customer_id INTEGER PRIMARY KEY)")
        cursor.execute("DELETE FROM mz_summary_scope")
        cursor.executemany("INSERT INTO mz_summary_scope (customer_id) VALUES (%s)", [(pk,) for pk in customer_ids])
        written = refresh_summaries_where(
            cursor, as_of=as_of, scope="{col} IN (SELECT customer_id FROM mz_summary_scope)"
        )
        cursor.execute("DELETE FROM mz_summary_scope")
        return written
