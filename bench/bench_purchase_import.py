"""Benchmark: import a 1,000,000-line purchases CSV into a database already holding 20,000,000 lines,
through the real importer (validation, staging COPY, set-based insert, summaries), next to a plain COPY
of the same file into an unindexed table, measured in the same run.

    .venv/bin/python -m bench.bench_purchase_import [--dsn postgres://postgres@127.0.0.1:5432/mezame_bench]
                                                    [--csv /tmp/mezame_bench_purchases_1m.csv] [--lines 1000000]

The data set and the CSV are created first if missing (bench.datasets). The import runs inside a transaction
that is rolled back once timed, so the data set (purchases AND summaries) stays at its 20,000,000-line state;
the deferred foreign-key checks are fired inside the timed section (SET CONSTRAINTS ALL IMMEDIATE), as the
commit would. A VACUUM afterwards (not timed) clears the rolled-back lines. Per-stage times come from the
importer's log lines.

It also measures a floor: the same lines, already resolved to ids by plain SQL, INSERTed into the purchases table
with its indexes (primary key, unique row key, customer+date with amount, date, product) and key checks, rolled
back. On the reference machine that floor alone is ~29x the COPY, so the issue's target of 3x the COPY cannot be
met by any importer that writes into this table as it is; the importer's own work (validation, lookups by folded
code, row keys, summaries) is reported as the ratio to the floor. What would move the floor is a product or
operations decision, not importer code: no database-level keys on purchases (-12 s), a Postgres with more than
128 MB of shared buffers, or summaries brought up to date after the import's commit instead of inside it.
"""
import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from pathlib import Path


class _RollBack(Exception):
    """Leaves the data set as it was after a timed import."""


DEFAULT_DSN = "postgres://postgres@127.0.0.1:5432/mezame_bench"


def _insert_floor(cursor):
    """Seconds to INSERT the same lines, already resolved to ids and parsed by plain SQL casts (this file's
    formats only), into the purchases table with its indexes and key checks, rolled back: what any importer
    writing into this table pays, with no validation, lookups by folded codes or summaries."""
    from bench.datasets import log

    cursor.execute("SET work_mem = '256MB'")
    cursor.execute(
        "CREATE TEMP TABLE bench_resolved AS SELECT c.id AS customer_id, "
        "CASE WHEN b.purchased_on ~ '^[0-9]{8}$' THEN to_date(b.purchased_on, 'YYYYMMDD') "
        "ELSE to_date(replace(b.purchased_on, '/', '-'), 'YYYY-MM-DD') END AS purchased_on, p.id AS product_id, "
        "b.quantity::numeric AS quantity, replace(b.amount, ',', '')::bigint AS amount, b.store, b.order_ref, "
        "b.coupon_code, 'f:' || b.order_ref || '#' || row_number() OVER (PARTITION BY b.order_ref) AS row_key "
        "FROM bench_copy_baseline b JOIN customers_customer c ON c.code = b.customer_code "
        "JOIN customers_product p ON p.code = b.product_code"
    )
    cursor.execute("CHECKPOINT")
    log("floor: INSERT of the resolved lines into the indexed table, key checks fired, rolled back")
    cursor.execute("BEGIN")
    started = time.monotonic()
    cursor.execute(
        "INSERT INTO customers_purchase (customer_id, purchased_on, product_id, quantity, amount, store, order_ref, "
        "coupon_code, row_key, created_at) SELECT customer_id, purchased_on, product_id, quantity, amount, store, "
        "order_ref, coupon_code, row_key, now() FROM bench_resolved ORDER BY customer_id, purchased_on"
    )
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    seconds = time.monotonic() - started
    cursor.execute("ROLLBACK")
    cursor.execute("DROP TABLE bench_resolved")
    cursor.execute("VACUUM customers_purchase")
    log(f"floor: {seconds:.1f} s")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--csv", default=str(Path(tempfile.gettempdir()) / "mezame_bench_purchases_1m.csv"))
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.dsn
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    logging.basicConfig(format="[%(asctime)s] %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("customers.purchases.importer").setLevel(logging.INFO)
    from django.db import connection, transaction

    from bench.datasets import ensure_large_dataset, log, write_purchase_csv
    from customers.purchases.importer import purchases_import

    ensure_large_dataset(args.dsn)
    path = Path(args.csv)
    if not path.exists():
        write_purchase_csv(args.dsn, path, lines=args.lines)
    size_mb = path.stat().st_size / 1e6

    with connection.cursor() as cursor:
        # Lines of older bench versions, which committed their import and deleted it on the next run.
        cursor.execute("DELETE FROM customers_purchase WHERE row_key LIKE 'o:NO%%'")
        if cursor.rowcount:
            log(f"removed {cursor.rowcount:,} lines of an earlier run; the summaries are recomputed")
            cursor.execute("SET work_mem = '256MB'")
            from customers.purchases.summary import refresh_summaries_where

            refresh_summaries_where(cursor, as_of=dt.date.today(), vendor="postgresql")
        cursor.execute("VACUUM ANALYZE customers_purchase")
        cursor.execute("VACUUM ANALYZE customers_customerpurchasesummary")
        cursor.execute("CHECKPOINT")

        cursor.execute("DROP TABLE IF EXISTS bench_copy_baseline")
        cursor.execute(
            "CREATE TABLE bench_copy_baseline (customer_code text, purchased_on text, product_code text, "
            "quantity text, amount text, store text, order_ref text, coupon_code text)"
        )
        log(f"plain COPY of {path} ({size_mb:.0f} MB) into an unindexed table")
        started = time.monotonic()
        with path.open("r", encoding="utf-8") as handle:
            cursor.copy_expert("COPY bench_copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        copy_seconds = time.monotonic() - started
        cursor.execute("SELECT count(*) FROM bench_copy_baseline")
        copied = cursor.fetchone()[0]
        insert_floor = _insert_floor(cursor)
        cursor.execute("DROP TABLE bench_copy_baseline")
        cursor.execute("CHECKPOINT")

    log("importer")
    data = path.read_bytes()
    started = time.monotonic()
    try:
        with transaction.atomic():
            result = purchases_import(data=data, filename=path.name)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would do
            import_seconds = time.monotonic() - started
            log(f"importer done after {import_seconds:.2f} s (foreign-key checks included); rolling back")
            raise _RollBack
    except _RollBack:
        pass
    with connection.cursor() as cursor:
        log("vacuum (not timed)")
        cursor.execute("VACUUM ANALYZE customers_purchase")
        cursor.execute("VACUUM ANALYZE customers_customerpurchasesummary")
    if result.error_rows or result.created != copied:
        log(f"unexpected result: {result.error_rows} bad rows, {result.created} created, first errors {result.errors[:3]}")

    ratio = import_seconds / copy_seconds
    print(f"rows: {copied:,} ({size_mb:.0f} MB); table already held 20,000,000 purchase lines")
    print(f"plain COPY into an unindexed table: {copy_seconds:6.1f} s")
    print(f"importer (validate, stage, insert, summaries of {result.affected_customers:,} customers): "
          f"{import_seconds:6.1f} s  ({result.created:,} lines added)")
    print(f"ratio importer / COPY: {ratio:.2f}x (target <= 3x)")
    print(f"floor: INSERT of the resolved lines into the indexed 20M-line table, key checks included: "
          f"{insert_floor:6.1f} s = {insert_floor / copy_seconds:.1f}x COPY; importer / floor: "
          f"{import_seconds / insert_floor:.2f}x")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 shared cores)")
    return ratio


if __name__ == "__main__":
    main()
