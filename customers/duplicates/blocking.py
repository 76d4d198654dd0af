"""Candidate pairs by blocking, set-based in SQL: customers sharing a key are paired, never all pairs.

Blocks (each key non-empty): the same phone (phone or mobile, either way round), the same e-mail, the same
normalized name, the same postal code with a name that starts alike (北斗精機 / 北斗精器), the same postal code with the
same reading. A block shared by more than BLOCK_CAP customers (a head-office switchboard, 田中花子 across a million
records) says little on its own: it is split by region (a name, by the postal code's first three digits), by the
reading (postal code and name) or by the name's first characters (phones, e-mail addresses, postal code and
reading), and a split block still too large is dropped, so the pairs grow with the customers and
never with their square. A handful of statements over temporary tables; they run on PostgreSQL and SQLite.
"""
from django.db import connection

BLOCK_CAP = 8  # a true duplicate group is two or three records; a bigger block is a common key
KEYS_TABLE = "mz_duplicate_keys"
PAIRS_TABLE = "mz_duplicate_pairs"
NAME_PREFIX = 2  # characters of the name key that must agree within a postal code

KEY_COLUMNS = "id, name_key, kana_key, phone_key, mobile_key, email_key, postal_key"
LIVE_CUSTOMERS = f"SELECT {KEY_COLUMNS} FROM customers_customer WHERE merged_into_id IS NULL"  # noqa: S608

# (block kind, key expression, refinement when the block is too large, condition).
_BLOCKS = [
    ("p", "phone_key", "substr(name_key, 1, 2)", "phone_key <> ''"),
    ("p", "mobile_key", "substr(name_key, 1, 2)", "mobile_key <> ''"),
    ("e", "email_key", "substr(name_key, 1, 2)", "email_key <> ''"),
    ("n", "name_key", "substr(postal_key, 1, 3)", "name_key <> ''"),
    ("z", f"postal_key || '|' || substr(name_key, 1, {NAME_PREFIX})", "kana_key",
     f"postal_key <> '' AND length(name_key) >= {NAME_PREFIX}"),
    ("k", "postal_key || '|' || kana_key", "substr(name_key, 1, 1)", "postal_key <> '' AND kana_key <> ''"),
]


def _keys_select(source):
    return " UNION ALL ".join(
        f"SELECT id, '{kind}:' || {key} AS block, {refine} AS refine FROM {source} WHERE {condition}"  # noqa: S608 -- constants of this module
        for kind, key, refine, condition in _BLOCKS
    )


KEYS_SOURCE = "mz_duplicate_source"
SIZED_TABLE = "mz_duplicate_sized"
SHARED_TABLE = "mz_duplicate_shared"


def _analyze(cursor, table):
    """Temporary tables are never analyzed on their own; without statistics PostgreSQL guesses a few rows and picks
    plans (nested loops, sorts spilling to disk) that take four times as long on a million customers."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def build_candidate_pairs(cursor, *, source=None, params=(), only_negative=False, cap=None):
    """Fill the temporary table PAIRS_TABLE (a, b), a < b, with every candidate pair of `source` (a SELECT of
    KEY_COLUMNS; by default the live customers). only_negative: keep only pairs with a negative id on one side
    (the import gives its file rows negative ids and wants no pairs of two existing customers). Returns the
    number of pairs.

    Steps, each a set-based statement over a temporary table: every (customer, block) key; the blocks shared at
    all (GROUP BY, most keys are one customer's own); each shared key with its block's size, a block over the cap
    replaced by its refinement; refined blocks counted again (only those: a few); the pairs within each block."""
    cap = BLOCK_CAP if cap is None else cap
    for table in (KEYS_SOURCE, KEYS_TABLE, SHARED_TABLE, SIZED_TABLE, PAIRS_TABLE):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    if source is None:
        keys_source = f"({LIVE_CUSTOMERS}) live"
    else:
        cursor.execute(f"CREATE TEMP TABLE {KEYS_SOURCE} AS {source}", params)
        keys_source = KEYS_SOURCE
    cursor.execute(f"CREATE TEMP TABLE {KEYS_TABLE} AS {_keys_select(keys_source)}")
    _analyze(cursor, KEYS_TABLE)
    cursor.execute(
        f"CREATE TEMP TABLE {SHARED_TABLE} AS SELECT block, COUNT(*) AS size FROM {KEYS_TABLE} "  # noqa: S608
        "GROUP BY block HAVING COUNT(*) > 1"
    )
    _analyze(cursor, SHARED_TABLE)
    cursor.execute(
        f"""
        CREATE TEMP TABLE {SIZED_TABLE} AS
        SELECT k.id, CASE WHEN s.size <= %s THEN k.block ELSE k.block || '#' || COALESCE(k.refine, '') END AS block,
               s.size <= %s AS is_final
        FROM {KEYS_TABLE} k JOIN {SHARED_TABLE} s ON s.block = k.block
        """,  # noqa: S608 -- constants
        [cap, cap],
    )
    for table in (KEYS_SOURCE, KEYS_TABLE, SHARED_TABLE):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    # A refined block still over the cap (or left alone by its refinement) is dropped.
    cursor.execute(
        f"""
        DELETE FROM {SIZED_TABLE} WHERE NOT is_final AND block NOT IN (
            SELECT block FROM {SIZED_TABLE} WHERE NOT is_final GROUP BY block HAVING COUNT(*) BETWEEN 2 AND %s)
        """,  # noqa: S608 -- constants
        [cap],
    )
    _analyze(cursor, SIZED_TABLE)
    cursor.execute(
        f"""
        CREATE TEMP TABLE {PAIRS_TABLE} AS
        SELECT DISTINCT x.id AS a, y.id AS b
        FROM {SIZED_TABLE} x JOIN {SIZED_TABLE} y ON y.block = x.block AND x.id < y.id
        {"WHERE x.id < 0" if only_negative else ""}
        """  # noqa: S608 -- table names are constants of this module
    )
    cursor.execute(f"DROP TABLE {SIZED_TABLE}")
    _analyze(cursor, PAIRS_TABLE)
    cursor.execute(f"SELECT COUNT(*) FROM {PAIRS_TABLE}")  # noqa: S608
    return cursor.fetchone()[0]


def drop_pairs(cursor):
    cursor.execute(f"DROP TABLE IF EXISTS {PAIRS_TABLE}")


def vendor_setup(cursor):
    """Sorts and hash joins of a million keys in memory; one-off statements are not worth compiling."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
