"""Write validated customer rows in one transaction: bulk insert the new codes, bulk update the changed ones.

History is kept through simple_history's bulk helpers (one historical row per created/changed customer,
with the importing user), so the customer card shows "changed by import" like any other edit.
"""
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from customers.models import Customer
from customers.models.customer import SEARCH_KEY_FIELDS

from .validation import KEEP, ParsedRow

BATCH_SIZE = 500
CREATE_DEFAULTS = {"kind": Customer.Kind.COMPANY, "lifecycle": Customer.Lifecycle.PROSPECT}


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
    with transaction.atomic():
        if to_create:
            bulk_create_with_history(
                to_create, Customer, batch_size=BATCH_SIZE, default_user=by, default_change_reason=reason
            )
        if to_update:
            bulk_update_with_history(
                to_update,
                Customer,
                fields=sorted(changed_fields | SEARCH_KEY_FIELDS | {"updated_at"}),
                batch_size=BATCH_SIZE,
                default_user=by,
                default_change_reason=reason,
            )
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
