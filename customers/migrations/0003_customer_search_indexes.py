"""Search indexes on the normalized keys, PostgreSQL only (SQLite keeps the plain B-tree indexes of 0001).

- pg_trgm GIN on name_key / kana_key: `contains` (LIKE '%…%') for search-box input of 3+ characters.
- varchar_pattern_ops B-trees: `startswith` (LIKE '…%') under any collation, for short name input, codes
  and phone prefixes (customers' and contacts' phones).
Created CONCURRENTLY-free on purpose: they run inside the migration's transaction on an empty or small
table; for a large existing table create them by hand with CONCURRENTLY first (the IF NOT EXISTS makes
this migration a no-op then).
"""
from django.db import migrations

INDEXES = [
    ("customer_name_key_trgm", "customers_customer USING gin (name_key gin_trgm_ops)"),
    ("customer_kana_key_trgm", "customers_customer USING gin (kana_key gin_trgm_ops)"),
    ("customer_name_key_prefix", "customers_customer (name_key varchar_pattern_ops)"),
    ("customer_kana_key_prefix", "customers_customer (kana_key varchar_pattern_ops)"),
    ("customer_code_prefix", "customers_customer (code varchar_pattern_ops)"),
    ("customer_phone_key_prefix", "customers_customer (phone_key varchar_pattern_ops)"),
    ("customer_mobile_key_prefix", "customers_customer (mobile_key varchar_pattern_ops)"),
    ("customer_fax_key_prefix", "customers_customer (fax_key varchar_pattern_ops)"),
    ("contact_phone_key_prefix", "customers_contact (phone_key varchar_pattern_ops)"),
    ("contact_mobile_key_prefix", "customers_contact (mobile_key varchar_pattern_ops)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_purchase_lean_indexes"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
