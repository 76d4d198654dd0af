"""Bulk actions of the worklist: assign a rep, add a tag, retire (customers.maintenance.retire).

Each is a few set-based statements over the chosen customers (a QuerySet: the ticked rows, or a whole list), checks
the permission once for the action, and writes one history row per changed customer with one INSERT … SELECT.
"""
# ruff: noqa: S608 - SQL here is assembled from model table and column names; values are always parameters.
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.permissions import require
from crm.sql import execute, table
from customers.models import Customer

from .history import queryset_ids_sql, write_customer_history


@transaction.atomic
def customers_assign_rep_bulk(*, queryset, rep, by):
    """Give the customers to `rep` (None: no rep). Needs customers.reassign. Returns how many changed."""
    require(by, "customers.reassign")
    rep_id = getattr(rep, "pk", None)
    changing = queryset.filter(merged_into__isnull=True).exclude(assigned_rep_id=rep_id) if rep_id else \
        queryset.filter(merged_into__isnull=True, assigned_rep__isnull=False)
    now = timezone.now()
    # Marked by the write's own timestamp so the history rows are written for exactly the rows updated here.
    updated = Customer.objects.filter(pk__in=changing.order_by().values("pk")).update(assigned_rep_id=rep_id,
                                                                                     updated_at=now)
    if updated:
        sql, params = queryset_ids_sql(Customer.objects.filter(updated_at=now, assigned_rep_id=rep_id))
        write_customer_history(customer_ids_sql=sql, params=params, by=by, reason="bulk: rep assigned")
    return updated


@transaction.atomic
def customers_add_tag_bulk(*, queryset, tag, by):
    """Add `tag` to the customers that lack it. Needs customers.edit_any. Returns how many got it.

    The customers are first marked by this write's own timestamp (their updated_at), so the tag rows and the history
    rows are written for exactly them with two INSERT … SELECT.
    """
    require(by, "customers.edit_any")
    through = Customer.tags.through
    has_tag = Exists(through.objects.filter(customer_id=OuterRef("pk"), tag_id=tag.pk))
    lacking = queryset.filter(merged_into__isnull=True).filter(~Q(has_tag)).order_by()
    now = timezone.now()
    if not Customer.objects.filter(pk__in=lacking.values("pk")).update(updated_at=now):
        return 0
    marked = Customer.objects.filter(updated_at=now)
    ids_sql, ids_params = queryset_ids_sql(marked.filter(~Q(has_tag)))
    added = execute(
        f"INSERT INTO {table(through)} (customer_id, tag_id) "
        f"SELECT id, %s FROM {table(Customer)} WHERE id IN ({ids_sql})",
        [tag.pk, *ids_params],
    )
    # Tags are not fields of the history rows: the reason names the tag, the row the time and the user.
    sql, params = queryset_ids_sql(marked)
    write_customer_history(customer_ids_sql=sql, params=params, by=by, reason=f"bulk: tag {tag.name}"[:100])
    return added
