"""Partial indexes for the list maintainer's data-quality queue (home page) and the customer list's "missing data"
filter, PostgreSQL only: live customers (not retired, not merged) without a phone, e-mail address, address or rep.

Each index holds only the customers that lack the thing, so counting them (capped, as the list counts) and listing
them read that index, never the whole table: on 1,000,000 customers the four counts took 600 ms as one aggregate over
the table, and take about 20 ms with these indexes. The predicates are those of customers.filters.MISSING_CONDITIONS with the live-customer scope;
keep them in step. Created inside the migration's transaction like 0004; on a large live table create them by hand
with CONCURRENTLY first (IF NOT EXISTS then makes this a no-op).
"""
from django.db import migrations

LIVE = "lifecycle <> 'retired' AND merged_into_id IS NULL"
INDEXES = [
    ("customer_missing_phone_idx", f"phone_key = '' AND mobile_key = '' AND {LIVE}"),
    ("customer_missing_email_idx", f"email_key = '' AND {LIVE}"),
    ("customer_missing_address_idx", f"address = '' AND {LIVE}"),
    ("customer_missing_rep_idx", f"assigned_rep_id IS NULL AND {LIVE}"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, predicate in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer (code) WHERE {predicate}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _predicate in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_kana_key_without_legal_form"),
    ]

    operations = [migrations.RunPython(create, drop)]
