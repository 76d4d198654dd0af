"""The two moving 12-month windows of the purchase summary, and a customer's figures as they stood on a past date.

The summary's other figures (first/last purchase, purchase days, total, median interval) change only when
purchases change, and summary.py maintains them then. The windows move every day, so the nightly scan refreshes
only them — from the purchases of the last 730 days, not the whole history:

    amount_last_12m  = purchases on as_of−364 … as_of       (365 days)
    amount_prev_12m  = purchases on as_of−729 … as_of−365   (the 365 days before)

Purchases after as_of never count. Rows are written only where a value changed (a normal night touches the few
thousand customers who bought on as_of, as_of−365 or as_of−730), and rows that fell out of both windows are zeroed.
A row written here gets as_of set to the windows' date, so a summary's windows are always right for its own as_of
(the engine's first scan relies on that; an unwritten row's windows also hold for later dates).

`purchase_figures_sql` computes every summary figure from the purchases up to a date, for a scan run for a past
date on customers whose stored summary already contains later purchases (it writes nothing).
"""
# ruff: noqa: S608 -- SQL here is assembled from constant table names and fixed fragments; every value is a parameter.
import datetime

from django.db import connection, transaction

PURCHASE = "customers_purchase"
SUMMARY = "customers_customerpurchasesummary"
WINDOWS = "purchase_windows_scratch"
WINDOW_DAYS = 365
SCOPE = "purchase_windows_scope"


def window_starts(as_of):
    """(first day of the last window, first day of the previous window), both inclusive."""
    return as_of - datetime.timedelta(days=WINDOW_DAYS - 1), as_of - datetime.timedelta(days=2 * WINDOW_DAYS - 1)


def _is_postgres():
    return connection.vendor == "postgresql"


def _date(value):
    return value if _is_postgres() else value.isoformat()


def _scope_sql(customer_ids, column):
    """A condition limiting `column` to the given customers (a temp table, so any number of ids works)."""
    if customer_ids is None:
        return "1 = 1"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCOPE}")
        cursor.execute(f"CREATE TEMP TABLE {SCOPE} (customer_id bigint PRIMARY KEY)")
        cursor.executemany(f"INSERT INTO {SCOPE} VALUES (%s)", [(int(pk),) for pk in sorted(set(customer_ids))])
    return f"{column} IN (SELECT customer_id FROM {SCOPE})"


def collect_purchase_windows(*, as_of, table=WINDOWS, customer_ids=None, scope_table=None):
    """Create temp table `table` (customer_id, amount_last_12m, amount_prev_12m, last_purchase_on) in one pass
    over the purchases of the 730 days up to as_of (the purchased_on index finds them). Returns its row count.
    `scope_table`: a temp table of customer_id limiting the pass to those customers."""
    last_from, prev_from = window_starts(as_of)
    scope = _scope_sql(customer_ids, "customer_id")
    if scope_table:
        scope = f"customer_id IN (SELECT customer_id FROM {scope_table})"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {table} AS "
            "SELECT customer_id, "
            "CAST(SUM(CASE WHEN purchased_on >= %s THEN amount ELSE 0 END) AS bigint) AS amount_last_12m, "
            "CAST(SUM(CASE WHEN purchased_on < %s THEN amount ELSE 0 END) AS bigint) AS amount_prev_12m, "
            "MAX(purchased_on) AS last_purchase_on "
            f"FROM {PURCHASE} WHERE purchased_on >= %s AND purchased_on <= %s AND {scope} GROUP BY customer_id",
            [_date(last_from), _date(last_from), _date(prev_from), _date(as_of)],
        )
        cursor.execute(f"CREATE UNIQUE INDEX {table}_pk ON {table} (customer_id)")
        if _is_postgres():
            cursor.execute(f"ANALYZE {table}")  # temp tables are never auto-analyzed
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def apply_purchase_windows(*, as_of, table=WINDOWS, customer_ids=None, skip_table=None, scope_table=None):
    """Write the collected windows into the summary: only rows whose values differ; rows in neither window → 0.

    `skip_table` (a temp table of customer_id) leaves those customers' rows alone; `scope_table` limits the write
    to its customers. Returns rows written."""
    scope = _scope_sql(customer_ids, "c.customer_id") if customer_ids is not None else "1 = 1"
    if scope_table:
        scope = f"c.customer_id IN (SELECT customer_id FROM {scope_table})"
    skip = f"AND c.customer_id NOT IN (SELECT customer_id FROM {skip_table})" if skip_table else ""
    new = (
        f"SELECT c.customer_id, COALESCE(w.amount_last_12m, 0) AS l12, COALESCE(w.amount_prev_12m, 0) AS p12 "
        f"FROM {SUMMARY} c LEFT JOIN {table} w ON w.customer_id = c.customer_id "
        f"WHERE {scope} {skip} AND (c.amount_last_12m <> COALESCE(w.amount_last_12m, 0) "
        f"OR c.amount_prev_12m <> COALESCE(w.amount_prev_12m, 0))"
    )
    with connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute(
                f"UPDATE {SUMMARY} s SET amount_last_12m = n.l12, amount_prev_12m = n.p12, as_of = %s FROM ({new}) n "
                "WHERE s.customer_id = n.customer_id",
                [_date(as_of)],
            )
        else:
            cursor.execute(
                f"UPDATE {SUMMARY} SET amount_last_12m = n.l12, amount_prev_12m = n.p12, as_of = %s FROM ({new}) n "
                f"WHERE {SUMMARY}.customer_id = n.customer_id",
                [_date(as_of)],
            )
        return cursor.rowcount


def collect_window_shift(*, since, as_of, table):
    """Create temp table `table` (customer_id, last_change, prev_change, newest_purchase_on): how each customer's
    windows move from `since` to `as_of` (since < as_of ≤ since + 365). Only purchases whose day crossed a window
    boundary are read — those of (since, as_of], [since−364, as_of−365] and [since−729, as_of−730] — a few days
    of purchases through the purchased_on index instead of two years. Returns its row count."""
    gap = (as_of - since).days
    if not 0 < gap <= WINDOW_DAYS:
        raise ValueError("windows can only be shifted forward by 1 to 365 days")
    d = datetime.timedelta
    new_from, new_to = since + d(days=1), as_of
    aged_from, aged_to = since - d(days=WINDOW_DAYS - 1), as_of - d(days=WINDOW_DAYS)
    gone_from, gone_to = since - d(days=2 * WINDOW_DAYS - 1), as_of - d(days=2 * WINDOW_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {table} AS SELECT customer_id, "
            "CAST(SUM(CASE WHEN purchased_on >= %s THEN amount WHEN purchased_on >= %s THEN -amount ELSE 0 END) "
            "AS bigint) AS last_change, "
            "CAST(SUM(CASE WHEN purchased_on >= %s THEN 0 WHEN purchased_on >= %s THEN amount ELSE -amount END) "
            "AS bigint) AS prev_change, "
            "MAX(CASE WHEN purchased_on >= %s THEN purchased_on END) AS newest_purchase_on "
            f"FROM {PURCHASE} WHERE (purchased_on >= %s AND purchased_on <= %s) "
            "OR (purchased_on >= %s AND purchased_on <= %s) OR (purchased_on >= %s AND purchased_on <= %s) "
            "GROUP BY customer_id",
            [_date(v) for v in (new_from, aged_from, new_from, aged_from, new_from,
                                new_from, new_to, aged_from, aged_to, gone_from, gone_to)],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def apply_window_shift(*, as_of, table, skip_table):
    """Add the collected changes to the summaries' windows, except for the customers in `skip_table`."""
    new = (
        f"SELECT w.customer_id, w.last_change, w.prev_change FROM {table} w "
        f"WHERE (w.last_change <> 0 OR w.prev_change <> 0) "
        f"AND w.customer_id NOT IN (SELECT customer_id FROM {skip_table})"
    )
    target = "s" if _is_postgres() else SUMMARY
    alias = " s" if _is_postgres() else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SUMMARY}{alias} SET amount_last_12m = amount_last_12m + n.last_change, "
            f"amount_prev_12m = amount_prev_12m + n.prev_change, as_of = %s FROM ({new}) n "
            f"WHERE {target}.customer_id = n.customer_id",
            [_date(as_of)],
        )
        return cursor.rowcount


def refresh_purchase_windows(*, as_of, customer_ids=None):
    """Set amount_last_12m / amount_prev_12m of the summaries (all, or the given customers') to the 365-day
    windows ending at as_of. Returns the number of summary rows that changed."""
    with transaction.atomic():
        collect_purchase_windows(as_of=as_of, customer_ids=customer_ids)
        written = apply_purchase_windows(as_of=as_of, customer_ids=customer_ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {WINDOWS}")
            cursor.execute(f"DROP TABLE IF EXISTS {SCOPE}")
        return written


def purchase_figures_sql(*, as_of, scope_table):
    """(sql, params): a SELECT of every summary figure from the purchases up to as_of, for the customers listed
    in `scope_table` (customer_id) — columns as in the summary table. Portable: the median interval comes from
    ROW_NUMBER / COUNT windows, as PostgreSQL's percentile_cont has no SQLite twin."""
    last_from, prev_from = window_starts(as_of)
    gap = "day - LAG(day) OVER w" if _is_postgres() else "CAST(julianday(day) - julianday(LAG(day) OVER w) AS INTEGER)"
    text = (
        "WITH days AS (SELECT customer_id, purchased_on AS day, SUM(amount) AS amount "
        f"FROM {PURCHASE} WHERE purchased_on <= %s AND customer_id IN (SELECT customer_id FROM {scope_table}) "
        "GROUP BY customer_id, purchased_on), "
        f"gaps AS (SELECT customer_id, {gap} AS gap FROM days WINDOW w AS (PARTITION BY customer_id ORDER BY day)), "
        "ranked AS (SELECT customer_id, gap, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY gap) AS rn, "
        "COUNT(*) OVER (PARTITION BY customer_id) AS n FROM gaps WHERE gap IS NOT NULL), "
        "medians AS (SELECT customer_id, AVG(CAST(gap AS double precision)) AS median_interval_days FROM ranked "
        "WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY customer_id) "
        "SELECT d.customer_id, MIN(d.day) AS first_purchase_on, MAX(d.day) AS last_purchase_on, "
        "COUNT(*) AS purchase_days, CAST(SUM(d.amount) AS bigint) AS total_amount, "
        "CAST(SUM(CASE WHEN d.day >= %s THEN d.amount ELSE 0 END) AS bigint) AS amount_last_12m, "
        "CAST(SUM(CASE WHEN d.day >= %s AND d.day < %s THEN d.amount ELSE 0 END) AS bigint) AS amount_prev_12m, "
        "MAX(m.median_interval_days) AS median_interval_days "
        "FROM days d LEFT JOIN medians m ON m.customer_id = d.customer_id GROUP BY d.customer_id"
    )
    return text, [_date(as_of), _date(last_from), _date(prev_from), _date(last_from)]
