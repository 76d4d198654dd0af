"""Benchmark: import a 1,000,000-line purchases CSV into a database already holding 20,000,000 lines,
through the real importer (validation, staging COPY, set-based insert, summaries), next to a plain COPY
of the same file into an unindexed table, measured in the same run.

    .venv/bin/python -m bench.bench_purchase_import [--dsn postgres://postgres@127.0.0.1:5432/mezame_bench]
                                                    [--csv /tmp/mezame_bench_purchases_1m.csv] [--lines 1000000]

The data set and the CSV are created first if missing (bench.datasets). Rows of a previous run are deleted
before timing, so every run imports the same 1,000,000 new lines.
"""
import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DSN = "postgres://postgres@127.0.0.1:5432/mezame_bench"


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
    logging.getLogger("customers.purchases.importer").setLevel(logging.INFO)
    from django.db import connection

    from bench.datasets import ensure_large_dataset, log, write_purchase_csv
    from customers.purchases.importer import purchases_import

    ensure_large_dataset(args.dsn)
    path = Path(args.csv)
    if not path.exists():
        write_purchase_csv(args.dsn, path, lines=args.lines)
    size_mb = path.stat().st_size / 1e6

    with connection.cursor() as cursor:
        log("removing rows of earlier runs")
        cursor.execute("DELETE FROM customers_purchase WHERE row_key LIKE 'o:NO%%'")
        cursor.execute("VACUUM ANALYZE customers_purchase") if not connection.in_atomic_block else None
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
        cursor.execute("DROP TABLE bench_copy_baseline")
        cursor.execute("CHECKPOINT")

    log("importer")
    started = time.monotonic()
    result = purchases_import(data=path.read_bytes(), filename=path.name)
    import_seconds = time.monotonic() - started
    if result.error_rows or result.created != copied:
        log(f"unexpected result: {result.error_rows} bad rows, {result.created} created, first errors {result.errors[:3]}")

    ratio = import_seconds / copy_seconds
    print(f"rows: {copied:,} ({size_mb:.0f} MB); table already held 20,000,000 purchase lines")
    print(f"plain COPY into an unindexed table: {copy_seconds:6.1f} s")
    print(f"importer (validate, stage, insert, summaries of {result.affected_customers:,} customers): "
          f"{import_seconds:6.1f} s  ({result.created:,} lines added)")
    print(f"ratio importer / COPY: {ratio:.2f}x (target <= 3x)")
    return ratio


if __name__ == "__main__":
    main()
