"""Benchmark of duplicate candidates over 1,000,000 customers (PostgreSQL), against a floor in the same run.

    .venv/bin/python -m bench.bench_duplicates --dsn postgres://postgres@127.0.0.1:5432/mezame_dupes_bench \
        [--customers 1000000] [--rebuild]

Fills the database (created if missing, migrated) with generated Japanese customers (bench/duplicates_data.py: ~30 %
of them with duplicates in every variant, namesakes, neighbours, families) by COPY, then times:
- floor: a plain GROUP BY over each blocking key (phone, mobile, e-mail, name, postal+name prefix,
  postal+reading) with HAVING count(*) > 1, i.e. what finding the shared keys alone costs;
- blocking: customers.duplicates.blocking.build_candidate_pairs, the candidate pairs (capped blocks, set-based);
- find_duplicates: blocking plus scoring every candidate pair with rapidfuzz (what the command does).
Target (issue 17): candidates over 1,000,000 customers in <= 60 s. Use your own database: --rebuild wipes it.
"""
import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ensure_database(dsn):
    import psycopg2
    from psycopg2 import sql

    base, name = dsn.rsplit("/", 1)
    admin = psycopg2.connect(base + "/postgres")
    admin.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()


def _copy_value(value):
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def fill(count, seed):
    """COPY `count` generated customers with their keys (as Customer.save would compute them)."""
    from django.db import connection
    from django.utils import timezone

    from bench.duplicates_data import iter_groups
    from customers.models import Customer

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Customer._meta.db_table} CASCADE")
        columns_in_db = {col.name for col in connection.introspection.get_table_description(
            cursor, Customer._meta.db_table)}  # fmt: skip
    now = timezone.now()
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key and f.column in columns_in_db]
    defaults = {f.attname: (now if f.name in ("created_at", "updated_at") else f.get_default()) for f in fields}
    columns = [f.column for f in fields]
    groups = iter_groups(seed)
    written, started = 0, time.perf_counter()
    raw = connection.connection
    while written < count:
        buffer = io.StringIO()
        chunk = 0
        while chunk < 50_000 and written + chunk < count:
            rows, _pairs = next(groups)
            for row in rows[: count - written - chunk]:
                customer = Customer(lifecycle="customer", **row)
                customer.refresh_search_keys()
                values = [getattr(customer, f.attname) if getattr(customer, f.attname) not in (None, "") or
                          f.attname in row or f.attname.endswith("_key") else defaults[f.attname] for f in fields]  # fmt: skip
                buffer.write("\t".join(_copy_value(v) for v in values) + "\n")
                chunk += 1
        buffer.seek(0)
        with raw.cursor() as cursor:
            cursor.copy_from(buffer, Customer._meta.db_table, columns=columns, null="\\N")
        raw.commit()
        written += chunk
        print(f"  {written:,} customers ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Customer._meta.db_table}")


def floor_seconds():
    """GROUP BY each blocking key, HAVING count(*) > 1: the shared keys, no pairs."""
    from django.db import connection

    from customers.duplicates import blocking

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _kind, key, _refine, condition in blocking._BLOCKS:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT {key} FROM customers_customer "
                f"WHERE merged_into_id IS NULL AND {condition} GROUP BY {key} HAVING count(*) > 1) shared"
            )
            cursor.fetchone()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--accuracy", action="store_true", help="also precision/recall against the generator's pairs")
    args = parser.parse_args()
    ensure_database(args.dsn)
    os.environ["DATABASE_URL"] = args.dsn
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from customers.duplicates import blocking, engine
    from customers.models import Customer

    call_command("migrate", verbosity=0)
    if args.rebuild or Customer.objects.count() != args.customers:
        print(f"filling {args.customers:,} customers …", flush=True)
        fill(args.customers, args.seed)
    count = Customer.objects.count()
    floor = floor_seconds()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        blocking.vendor_setup(cursor)
        pairs = blocking.build_candidate_pairs(cursor)
        blocking.drop_pairs(cursor)
    blocking_seconds = time.perf_counter() - started
    stats = {}
    started = time.perf_counter()
    matches = engine.find_duplicates(stats=stats)
    total = time.perf_counter() - started
    print(f"customers: {count:,}")
    print(f"floor (GROUP BY per blocking key): {floor:.1f} s")
    print(f"candidate pairs (blocking): {pairs:,} in {blocking_seconds:.1f} s = {blocking_seconds / floor:.1f}x floor")
    print(f"find_duplicates (blocking + scoring): {len(matches):,} pairs >= 80 in {total:.1f} s "
          f"(blocking {stats['blocking_seconds']:.1f} s, scoring {stats['scoring_seconds']:.1f} s of "
          f"{stats['pairs']:,} pairs) = {total / floor:.1f}x floor")  # fmt: skip
    if args.accuracy:
        true_pairs = generated_pairs(count, args.seed)
        found = {tuple(sorted((match.a.code, match.b.code))) for match in matches}
        hits = len(found & true_pairs)
        print(f"precision {hits / len(found):.3f}, recall {hits / len(true_pairs):.3f} "
              f"({len(true_pairs):,} true pairs among the {count:,} customers)")


def generated_pairs(count, seed):
    """The true pairs among the first `count` generated rows (the generator is deterministic per seed)."""
    from bench.duplicates_data import iter_groups

    pairs, seen = set(), 0
    for rows, group_pairs in iter_groups(seed):
        kept = {row["code"] for row in rows[: count - seen]}
        pairs |= {pair for pair in group_pairs if pair[0] in kept and pair[1] in kept}
        seen += len(rows)
        if seen >= count:
            return pairs


if __name__ == "__main__":
    main()
