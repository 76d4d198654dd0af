"""Write checked customer rows in one transaction: insert the new codes, update the changed ones, set-based.

Which rows create, update or leave a customer alone is decided here, when the rows are written, by their code
against the customers as they are now. The writing itself is a few statements per chunk, whatever its size:
the new customers are bulk-loaded (COPY on PostgreSQL, executemany on SQLite, as the purchase import stages),
the changed ones are loaded into a temporary table and applied with one UPDATE … FROM. Django's bulk_update
(a CASE per field and row) cost two milliseconds a row, so a 200,000-row file took minutes.

History is kept as simple_history's bulk helpers keep it: one historical row per created or changed customer,
with the importing user and the reason, written by INSERT … SELECT from the rows just written, so the
customer card shows "changed by import" like any other edit.
"""
# ruff: noqa: S608 -- SQL here is assembled from model table and column names; every value is a parameter.
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer
from customers.models.customer import SEARCH_KEY_FIELDS

from .validation import KEEP, ParsedRow

CREATE_DEFAULTS = {"kind": Customer.Kind.COMPANY, "lifecycle": Customer.Lifecycle.PROSPECT}
CHANGED_TABLE = "mz_customer_import_changed"
WRITTEN_TABLE = "mz_customer_import_written"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _existing_by_code(codes):
    found = {}
    for start in range(0, len(codes), 1000):
        found.update(Customer.objects.in_bulk(codes[start : start + 1000], field_name="code"))
    return found


def _db_values(customer, fields):
    return [field.get_db_prep_save(getattr(customer, field.attname), connection) for field in fields]


def _load(cursor, table, columns, rows):
    from customers.purchases.staging import Dialect, load_rows

    load_rows(cursor, Dialect(connection.vendor), table, columns, rows)


def _quote(name):
    return connection.ops.quote_name(name)


def _insert_customers(cursor, customers):
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    _load(cursor, Customer._meta.db_table, [_quote(f.column) for f in fields], [_db_values(c, fields) for c in customers])


def _update_customers(cursor, customers, field_names):
    """One UPDATE … FROM a temporary table holding the new values of the changed fields."""
    fields = [Customer._meta.get_field("id"), *(Customer._meta.get_field(name) for name in sorted(field_names))]
    columns = [_quote(f.column) for f in fields]
    cursor.execute(f"DROP TABLE IF EXISTS {CHANGED_TABLE}")
    # The same column types as the customers' (no casts in the UPDATE), and no rows.
    cursor.execute(f"CREATE TEMP TABLE {CHANGED_TABLE} AS SELECT {', '.join(columns)} "
                   f"FROM {Customer._meta.db_table} WHERE 1 = 0")  # fmt: skip
    _load(cursor, CHANGED_TABLE, columns, [_db_values(c, fields) for c in customers])
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {CHANGED_TABLE}")  # a chunk, not the whole table: find the rows by their key
    assignments = ", ".join(f"{column} = n.{column}" for column in columns[1:])
    cursor.execute(f"UPDATE {Customer._meta.db_table} SET {assignments} FROM {CHANGED_TABLE} n "
                   f"WHERE {Customer._meta.db_table}.id = n.id")  # fmt: skip
    cursor.execute(f"DROP TABLE {CHANGED_TABLE}")


def _record_history(cursor, codes, *, history_type, by, reason, now):
    """One historical row per customer whose code is given, copied from the customer as it now is."""
    history = Customer.history.model
    own = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    columns = ", ".join(_quote(c) for c in own)
    params = [now, str(reason)[: history._meta.get_field("history_change_reason").max_length], history_type,
              by.pk if by else None]  # fmt: skip
    insert = (f"INSERT INTO {history._meta.db_table} ({columns}, history_date, history_change_reason, history_type, "
              f"history_user_id) SELECT {', '.join(f'c.{_quote(c)}' for c in own)}, %s, %s, %s, %s "
              f"FROM {Customer._meta.db_table} c WHERE c.code")  # fmt: skip
    if connection.vendor == "postgresql":
        # An array: the planner reads the code index for a chunk's codes instead of scanning every customer.
        cursor.execute(f"{insert} = ANY(%s)", [*params, list(codes)])
        return
    cursor.execute(f"DROP TABLE IF EXISTS {WRITTEN_TABLE}")
    cursor.execute(f"CREATE TEMP TABLE {WRITTEN_TABLE} (code text)")
    _load(cursor, WRITTEN_TABLE, ["code"], [(code,) for code in codes])
    cursor.execute(f"{insert} IN (SELECT code FROM {WRITTEN_TABLE})", params)
    cursor.execute(f"DROP TABLE {WRITTEN_TABLE}")


def commit_rows(rows, *, by, reason="import"):
    """Create or update customers for ParsedRows (all assumed valid). Atomic: all rows or none."""
    existing = _existing_by_code([row.code for row in rows])
    now = timezone.now()
    to_create, to_update, changed_fields = [], [], set()
    unchanged = 0
    for row in rows:
        customer = existing.get(row.code)
        if customer is None:
            customer = Customer(code=row.code, created_by=by, created_at=now, updated_at=now)
            for name, value in {**CREATE_DEFAULTS, **row.values}.items():
                setattr(customer, name, CREATE_DEFAULTS.get(name) if value is KEEP else value)
            customer.refresh_search_keys()
            to_create.append(customer)
            continue
        changed = False
        for name, value in row.values.items():
            if value is KEEP or getattr(customer, name) == value:
                continue
            setattr(customer, name, value)
            changed_fields.add(name)
            changed = True
        if changed:
            customer.refresh_search_keys()
            customer.updated_at = now
            to_update.append(customer)
        else:
            unchanged += 1
    with transaction.atomic(), connection.cursor() as cursor:
        if to_create:
            _insert_customers(cursor, to_create)
            _record_history(cursor, [c.code for c in to_create], history_type="+", by=by, reason=reason, now=now)
        if to_update:
            _update_customers(cursor, to_update, changed_fields | SEARCH_KEY_FIELDS | {"updated_at"})
            _record_history(cursor, [c.code for c in to_update], history_type="~", by=by, reason=reason, now=now)
    return ImportResult(created=len(to_create), updated=len(to_update), unchanged=unchanged)


def commit_batch_rows(batch, *, by, reason="import", chunk_size=5_000, on_progress=None):
    """Create or update customers for the valid CustomerImportRows of a checked batch, in line order, a chunk at
    a time (memory stays flat whatever the file's size). Call inside a transaction: all rows or none."""
    from customers.models.imports import CustomerImportRow

    rows = CustomerImportRow.objects.filter(batch=batch, is_valid=True).order_by("line")
    total = max(batch.valid_rows, 1)
    result, last_line, done = ImportResult(), 0, 0
    while True:
        chunk = list(rows.filter(line__gt=last_line).values_list("line", "code", "parsed", "kept")[:chunk_size])
        if not chunk:
            return result
        parsed = [ParsedRow(line=line, code=code, values={**values, **dict.fromkeys(kept or (), KEEP)}, raw={})
                  for line, code, values, kept in chunk]  # fmt: skip
        part = commit_rows(parsed, by=by, reason=reason)
        result.created, result.updated = result.created + part.created, result.updated + part.updated
        result.unchanged += part.unchanged
        last_line, done = chunk[-1][0], done + len(chunk)
        if on_progress is not None:
            on_progress(min(99, 100 * done // total))
