"""The duplicate engine for an import file: its rows against each other and against the stored customers.

The file's keys are staged in a temporary table by the import check (one row per line with a code); here the file
rows (ids: minus the line) and the customers sharing any key with them go through the same blocking as the full
run, keeping only pairs with a file row on one side, and the same scorer decides. Customers whose code is in the
file are left out: the file rewrites them.
"""
from django.db import connection

from customers.models import Customer

from . import blocking
from .engine import _records
from .scoring import DUPLICATE_SCORE, score_pair

STAGED_COLUMNS = ("line", "code", "name_key", "kana_key", "phone_key", "mobile_key", "email_key", "postal_key")
STAGED_TYPES = "line integer, code text, name_key text, kana_key text, phone_key text, mobile_key text, " \
               "email_key text, postal_key text"  # fmt: skip


def file_matches(*, keys_table, records, min_score=DUPLICATE_SCORE):
    """[(line, other code, other line or None, score, reasons)] for the staged rows; records: {line: Record}.
    A pair of two file rows is reported on the later line."""
    customers = Customer._meta.db_table
    keys = [
        f"SELECT s.{field} FROM {keys_table} s WHERE s.{field} <> ''"  # noqa: S608 -- constants
        for field in ("name_key", "phone_key", "mobile_key", "email_key", "postal_key")
    ]
    source = f"""
        SELECT -line AS id, name_key, kana_key, phone_key, mobile_key, email_key, postal_key FROM {keys_table}
        UNION ALL
        SELECT id, name_key, kana_key, phone_key, mobile_key, email_key, postal_key FROM {customers} c
        WHERE c.merged_into_id IS NULL AND c.code NOT IN (SELECT code FROM {keys_table}) AND (
            c.name_key IN ({keys[0]}) OR c.phone_key IN ({keys[1]}) OR c.mobile_key IN ({keys[1]})
            OR c.phone_key IN ({keys[2]}) OR c.mobile_key IN ({keys[2]}) OR c.email_key IN ({keys[3]})
            OR c.postal_key IN ({keys[4]}))
    """  # noqa: S608 -- table and column names are constants
    found = []
    with connection.cursor() as cursor:
        blocking.build_candidate_pairs(cursor, source=source, only_negative=True)
        stored = _records(cursor, f"SELECT b FROM {blocking.PAIRS_TABLE} WHERE b > 0")  # noqa: S608
        cursor.execute(f"SELECT a, b FROM {blocking.PAIRS_TABLE}")  # noqa: S608
        pairs = cursor.fetchall()
        blocking.drop_pairs(cursor)
    for a, b in pairs:
        if b < 0:  # two file rows: a < b < 0, so -b is the earlier line
            earlier, later = records.get(-b), records.get(-a)
            if earlier is None or later is None:
                continue
            score, reasons = score_pair(later, earlier)
            if score >= min_score:
                found.append((-a, earlier.code, -b, score, reasons))
        else:
            row, customer = records.get(-a), stored.get(b)
            if row is None or customer is None:
                continue
            score, reasons = score_pair(row, customer)
            if score >= min_score:
                found.append((-a, customer.code, None, score, reasons))
    return found
