"""Precision and recall of the duplicate engine on generated, labelled records (bench/duplicates_data.py).

    .venv/bin/python -m bench.eval_duplicates --dsn postgres://postgres@127.0.0.1:5432/mezame_dupes \
        [--seed 20261127] [--entities 3000] [--min-score 80]

Wipes and reloads the customers of the given database (use your own!), runs find_duplicates exactly as the
command does (the engine, then the CSV), and compares its pairs with the true ones. Seed 1 is the one the score
rules were looked at against (customers/tests/test_duplicates_accuracy.py); report the held-out seed.
"""
import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load(rows):
    """Insert the rows as customers with their keys, in chunks (bulk_create: keys computed as save() does)."""
    from customers.models import Customer

    batch = []
    for row in rows:
        customer = Customer(lifecycle="customer", **row)
        customer.refresh_search_keys()
        batch.append(customer)
        if len(batch) >= 5000:
            Customer.objects.bulk_create(batch)
            batch = []
    Customer.objects.bulk_create(batch)


def exported_pairs(min_score):
    """The pairs of find_duplicates --export, read back from its CSV."""
    import csv
    import tempfile

    from django.core.management import call_command

    path = Path(tempfile.mkdtemp()) / "duplicates.csv"
    call_command("find_duplicates", export=str(path), min_score=min_score, no_store=True, stderr=io.StringIO())
    with path.open(encoding="utf-8-sig") as handle:
        pairs = {(row["code_a"], row["code_b"]) for row in csv.DictReader(handle)}
    path.unlink()
    path.parent.rmdir()
    return pairs


def score(found, true_pairs):
    hits = len(found & true_pairs)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    return precision, recall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--entities", type=int, default=3000)
    parser.add_argument("--min-score", type=int, default=80)
    parser.add_argument("--show", type=int, default=0, help="print this many misses of each kind")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.dsn
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.duplicates_data import generate
    from customers.models import Customer

    call_command("migrate", verbosity=0)
    rows, true_pairs = generate(args.seed, entities=args.entities)
    with connection.cursor() as cursor:  # everything hanging off the customers goes too: an evaluation database
        cursor.execute(f"TRUNCATE {Customer._meta.db_table} CASCADE")
    load(rows)
    started = time.perf_counter()
    found = exported_pairs(args.min_score)
    seconds = time.perf_counter() - started
    precision, recall = score(found, true_pairs)
    print(f"seed {args.seed}: {len(rows)} customers, {len(true_pairs)} true pairs, {len(found)} found "
          f"({seconds:.1f} s): precision {precision:.3f}, recall {recall:.3f}")  # fmt: skip
    if args.show:
        by_code = {row["code"]: row for row in rows}
        for label, pairs in (("false positive", found - true_pairs), ("missed", true_pairs - found)):
            for a, b in sorted(pairs)[: args.show]:
                print(label, by_code[a], by_code[b], sep="\n  ")


if __name__ == "__main__":
    main()
