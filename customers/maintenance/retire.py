"""Retirement (改廃): a retired customer keeps its record, purchases and history but leaves targeting (the campaign
segment engine excludes lifecycle "retired") and the customer list (shown only when the filter asks for them).

Each retirement or return writes a CustomerRetirement row (when, why, by whom, the lifecycle before) and a history
row of the customer; bulk retirement does both set-based.
"""
# ruff: noqa: S608 - SQL here is assembled from model table and column names; values are always parameters.
from django.db import connection, transaction
from django.utils import timezone

from crm.permissions import require
from crm.sql import execute, table
from customers.models import Customer, CustomerRetirement

from .history import queryset_ids_sql, write_customer_history

RETIRED = Customer.Lifecycle.RETIRED


class RetirementError(ValueError):
    """The customer is already in the asked state (retired, or not retired)."""


@transaction.atomic
def customer_retire(*, customer, by, reason=""):
    """Retire one customer; returns its CustomerRetirement row. Needs customers.retire (maintainer, admin)."""
    stored = Customer.objects.select_for_update().get(pk=customer.pk)
    require(by, "customers.retire", stored)
    if stored.lifecycle == RETIRED:
        raise RetirementError("already retired")
    return _lifecycle_move(stored, customer, to=RETIRED, action=CustomerRetirement.Action.RETIRE,
                           previous=stored.lifecycle, reason=reason, default_reason="retired", by=by)


@transaction.atomic
def customer_unretire(*, customer, by, reason=""):
    """Bring a retired customer back to the lifecycle it had before (customer when unknown)."""
    stored = Customer.objects.select_for_update().get(pk=customer.pk)
    require(by, "customers.retire", stored)
    if stored.lifecycle != RETIRED:
        raise RetirementError("not retired")
    last = stored.retirements.filter(action=CustomerRetirement.Action.RETIRE).first()
    restored = last.previous_lifecycle if last and last.previous_lifecycle else Customer.Lifecycle.CUSTOMER
    return _lifecycle_move(stored, customer, to=restored, action=CustomerRetirement.Action.UNRETIRE,
                           previous=RETIRED, reason=reason, default_reason="brought back", by=by)


def _lifecycle_move(stored, customer, *, to, action, previous, reason, default_reason, by):
    """Save the new lifecycle with its history row (who, why) and record the retirement action."""
    stored.lifecycle = to
    stored._change_reason = (reason or default_reason)[:100]
    stored._history_user = by
    stored.save(update_fields=["lifecycle", "updated_at"])
    customer.lifecycle = to  # the caller's instance shows the change too
    return CustomerRetirement.objects.create(customer=stored, action=action, previous_lifecycle=previous,
                                             reason=reason, by=by)


@transaction.atomic
def customers_retire_bulk(*, queryset, by, reason=""):
    """Retire every live customer of `queryset` in three statements; returns how many were retired.

    INSERT … SELECT writes the retirement rows (with the lifecycle before), one UPDATE retires those customers, one
    INSERT … SELECT writes their history rows: no Python loop over the customers.
    """
    require(by, "customers.retire")
    now = timezone.now()
    targets = queryset.filter(merged_into__isnull=True).exclude(lifecycle=RETIRED).order_by()
    target_sql, target_params = queryset_ids_sql(targets)
    inserted = execute(
        f"INSERT INTO {table(CustomerRetirement)} (customer_id, action, previous_lifecycle, reason, by_id, at) "
        f"SELECT id, %s, lifecycle, %s, %s, %s FROM {table(Customer)} WHERE id IN ({target_sql})",
        [CustomerRetirement.Action.RETIRE, reason, getattr(by, "pk", None),
         connection.ops.adapt_datetimefield_value(now), *target_params],
    )
    if not inserted:
        return 0
    # The rows just written (this transaction's `now`) name exactly the customers to retire.
    written = CustomerRetirement.objects.filter(at=now, action=CustomerRetirement.Action.RETIRE, by=by)
    chosen = Customer.objects.filter(pk__in=written.values("customer_id"))
    updated = chosen.update(lifecycle=RETIRED, updated_at=now)
    sql, params = written.values("customer_id").query.sql_with_params()
    write_customer_history(customer_ids_sql=sql, params=params, by=by, reason=reason or "retired")
    return updated


def latest_retirement(customer):
    """The customer's last retirement row when it is retired now, else None (for the card)."""
    if customer.lifecycle != RETIRED:
        return None
    return customer.retirements.filter(action=CustomerRetirement.Action.RETIRE).select_related("by").first()


__all__ = ["RetirementError", "customer_retire", "customer_unretire", "customers_retire_bulk",
           "latest_retirement"]
