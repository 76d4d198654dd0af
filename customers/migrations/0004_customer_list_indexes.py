"""Indexes and planner statistics for the customer list on a million rows, PostgreSQL only.

- (prefecture, code), (assigned_rep_id, code) and a partial (code) index for key accounts: the list's
  common filters, each returning its page in code order straight from the index instead of walking the
  whole code index past non-matching rows ("my customers", a prefecture, key accounts). They carry the
  other segment columns so that combinations of these filters are decided inside the index.
- (updated_at, id): the "recently updated" sort, otherwise a sort of every matching row.
- Extended statistics on lifecycle / key account / rep: these columns are not independent (key accounts
  are customers, a rep's book leans to one lifecycle), and without them PostgreSQL multiplies their
  selectivities and misjudges whether a filter combination is selective or broad.
- A larger statistics sample on the name/kana keys: LIKE '%…%' selectivity is estimated from the
  histogram, and 100 buckets cannot tell 1,000 matches from 10,000.
ANALYZE at the end so the new statistics exist at once. Like 0003, the indexes are created inside the
migration's transaction; on a large live table create them by hand with CONCURRENTLY first (IF NOT
EXISTS then makes this a no-op).
"""
from django.db import migrations

# INCLUDE the other segment columns and the key: the paginator's count collects matching keys, and with
# everything it tests inside the index that is an index-only scan, with no heap page read per candidate.
_COVER = "INCLUDE (id, lifecycle, is_key_account, assigned_rep_id, prefecture, merged_into_id)"
INDEXES = [
    ("customer_prefecture_code_idx", f"customers_customer (prefecture, code) {_COVER}"),
    ("customer_rep_code_idx", f"customers_customer (assigned_rep_id, code) {_COVER}"),
    ("customer_key_account_code_idx", f"customers_customer (code) {_COVER} WHERE is_key_account"),
    ("customer_updated_idx", "customers_customer (updated_at, id)"),
]
STATISTICS = "customer_segment_stats"
SAMPLED_COLUMNS = ["name_key", "kana_key"]
SAMPLE_TARGET = 1000


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (dependencies, mcv) "
        "ON lifecycle, is_key_account, assigned_rep_id FROM customers_customer"
    )
    for column in SAMPLED_COLUMNS:
        schema_editor.execute(f"ALTER TABLE customers_customer ALTER COLUMN {column} SET STATISTICS {SAMPLE_TARGET}")
    schema_editor.execute("ANALYZE customers_customer")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SAMPLED_COLUMNS:
        schema_editor.execute(f"ALTER TABLE customers_customer ALTER COLUMN {column} SET STATISTICS -1")
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_customer_search_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
