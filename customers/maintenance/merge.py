"""The merge wizard's services: fold a duplicate customer into the survivor, and undo it exactly.

customer_merge(*, survivor, duplicate, chosen_fields, by) -> CustomerMerge
    chosen_fields: {field name: "survivor" | "duplicate"} for the fields of MERGEABLE_FIELDS (a field not named
    keeps the survivor's value, or the duplicate's when the survivor's is empty). Consent is not chosen: it is
    merged conservatively (an opt-out on either record wins, see merged_consent). Every row pointing at the
    duplicate is handled as customers.maintenance.merge_rules classifies it. The duplicate stays as a row with
    merged_into set (hidden from lists and excluded from targeting).

customer_merge_undo(*, merge, by) -> CustomerMerge
    Puts both customer rows back as they were, moves every moved row back, re-inserts every removed row and the
    one-per-customer rows as they were. The merge and the undo each add a history row to both customers.

Both need customers.merge (maintainer, admin). Each relation is a handful of set-based statements.
"""
import datetime
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, UniqueConstraint
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm.permissions import require
from customers.models import Customer, CustomerMerge, CustomerPurchaseSummary

from . import merge_rules
from .history import queryset_ids_sql, write_customer_history
from .snapshot import delete_with_snapshot, restore_rows, rows_to_json

MERGEABLE_FIELDS = (
    "kind", "name", "name_kana", "lifecycle", "industry", "is_key_account", "assigned_rep", "fiscal_year_end_month",
    "source", "postal_code", "prefecture", "address", "phone", "mobile", "fax", "email", "website",
    "company_overview", "decision_maker", "budget", "competitors", "timing", "notes",
)
CONSENT_CHANNELS = ("email", "dm", "phone")
SURVIVOR, DUPLICATE = "survivor", "duplicate"
logger = logging.getLogger(__name__)


class MergeError(ValueError):
    """The merge cannot be done (same record, already merged, already undone …); the message says why, in the
    user's language (the wizard and the merge's page show it as it is)."""


def default_choices(survivor, duplicate):
    """What the wizard pre-selects: the survivor's value, unless it is empty and the duplicate's is not."""
    choices = {}
    for name in MERGEABLE_FIELDS:
        attname = Customer._meta.get_field(name).attname
        mine, theirs = getattr(survivor, attname), getattr(duplicate, attname)
        choices[name] = DUPLICATE if mine in ("", None) and theirs not in ("", None) else SURVIVOR
    return choices


def merged_consent(survivor, duplicate, channel):
    """(flag, changed_at, method) of the merged record for a channel: the conservative merge.

    An opt-out (consent false with a date: withdrawn) on either record wins, the latest one giving date and method;
    otherwise consent given on either record holds (the latest grant); otherwise never given.
    """
    flag, at, how = f"has_{channel}_consent", f"{channel}_consent_changed_at", f"{channel}_consent_method"
    records = (survivor, duplicate)
    opted_out = [r for r in records if not getattr(r, flag) and getattr(r, at) is not None]
    if opted_out:
        latest = max(opted_out, key=lambda r: getattr(r, at))
        return False, getattr(latest, at), getattr(latest, how)
    granted = [r for r in records if getattr(r, flag)]
    if granted:
        latest = max(granted, key=lambda r: (getattr(r, at) is not None, getattr(r, at) or 0))
        return True, getattr(latest, at), getattr(latest, how)
    return False, None, _first_text(survivor, duplicate, how)


def _first_text(survivor, duplicate, attname):
    return getattr(survivor, attname) or getattr(duplicate, attname)


def _unique_keys(model, field):
    """[(other field attnames, condition Q or None)] of the unique constraints that include the customer field."""
    keys = [([], None)] if field.unique else []  # one-to-one: one row per customer
    for fields in model._meta.unique_together:
        if field.name in fields:
            keys.append(([model._meta.get_field(f).attname for f in fields if f != field.name], None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields and field.name in constraint.fields:
            others = [model._meta.get_field(f).attname for f in constraint.fields if f != field.name]
            keys.append((others, constraint.condition))
    return keys


def _recompute_summary(*, customer_ids, as_of):
    from customers.purchases.summary import refresh_purchase_summaries

    refresh_purchase_summaries(as_of=as_of, customer_ids=customer_ids)


merge_rules.RECOMPUTERS.setdefault("customers.CustomerPurchaseSummary", _recompute_summary)


def _move(model, field, survivor, duplicate):
    """Re-point the duplicate's rows; colliding rows of a unique key are removed. Returns the snapshot entry."""
    manager = model._base_manager
    column = field.attname
    removed = []
    for others, condition in _unique_keys(model, field):
        theirs = manager.filter(**{column: duplicate.pk})
        ours = manager.filter(**{column: survivor.pk}, **{name: OuterRef(name) for name in others})
        if condition is not None:
            theirs, ours = theirs.filter(condition), ours.filter(condition)
        removed += delete_with_snapshot(theirs.filter(Exists(ours)))
    rows = manager.filter(**{column: duplicate.pk})
    moved = list(rows.order_by("pk").values_list("pk", flat=True))
    rows.update(**{column: survivor.pk})
    return {"moved": moved, "removed": removed}


def _take_over_one_per_customer(model, field, survivor, duplicate):
    """RECOMPUTE: both rows into the snapshot, the duplicate's removed; recomputed after every move."""
    manager = model._base_manager
    column = field.attname
    rows = rows_to_json(manager.filter(**{column: survivor.pk}))
    rows += delete_with_snapshot(manager.filter(**{column: duplicate.pk}))
    return {"moved": [], "removed": rows}


def _apply_choices(stored, other, chosen_fields):
    unknown = set(chosen_fields) - set(MERGEABLE_FIELDS)
    if unknown:
        raise MergeError(_("These fields cannot be chosen in a merge: %(fields)s") % {
            "fields": ", ".join(sorted(unknown))})
    choices = {**default_choices(stored, other), **chosen_fields}
    for name, side in choices.items():
        if side not in (SURVIVOR, DUPLICATE):
            raise MergeError(_("%(field)s: keep the surviving record's value or the duplicate's.") % {
                "field": capfirst(Customer._meta.get_field(name).verbose_name)})
        if side == DUPLICATE:
            attname = Customer._meta.get_field(name).attname
            setattr(stored, attname, getattr(other, attname))
    for channel in CONSENT_CHANNELS:
        flag, at, how = merged_consent(stored, other, channel)
        setattr(stored, f"has_{channel}_consent", flag)
        setattr(stored, f"{channel}_consent_changed_at", at)
        setattr(stored, f"{channel}_consent_method", how)
    return choices


def _lock_pair(survivor, duplicate):
    if survivor.pk == duplicate.pk:
        raise MergeError(_("A record cannot be merged into itself."))
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])
              .order_by("pk")}
    return locked[survivor.pk], locked[duplicate.pk]


@transaction.atomic
def customer_merge(*, survivor, duplicate, chosen_fields=None, by):
    """Merge `duplicate` into `survivor` (see the module docstring); returns the CustomerMerge."""
    stored_survivor, stored_duplicate = _lock_pair(survivor, duplicate)
    require(by, "customers.merge", stored_survivor)
    if stored_survivor.merged_into_id or stored_duplicate.merged_into_id:
        raise MergeError(_("One of the records has already been merged into another record."))
    unclassified = merge_rules.unclassified_relations()
    if unclassified:
        # Better to refuse than to leave rows behind on a record nobody sees any more.
        # The maintainer reads the kinds of row; whoever fixes merge_rules needs the relations, hence the log.
        logger.error("merge refused: unclassified relations to Customer: %s", ", ".join(unclassified))
        kinds = sorted({str(merge_rules.relation_label(name.rsplit(".", 1)[0])) for name in unclassified})
        raise MergeError(_("The merge does not know yet what to do with these rows, so nothing was changed (ask "
                           "the administrator): %(kinds)s") % {"kinds": ", ".join(kinds)})

    snapshot = {
        "customers": rows_to_json(Customer.objects.filter(pk__in=[stored_survivor.pk, stored_duplicate.pk])),
        "relations": [],
        "survivor_id": stored_survivor.pk,
        "duplicate_id": stored_duplicate.pk,
    }
    recompute = set()
    for model, field in merge_rules.customer_relations():
        strategy = merge_rules.rule_for(model, field)
        if strategy == merge_rules.KEEP:
            continue
        if strategy == merge_rules.MOVE:
            entry = _move(model, field, stored_survivor, stored_duplicate)
        else:
            entry = _take_over_one_per_customer(model, field, stored_survivor, stored_duplicate)
            recompute.add(model._meta.label)
        if entry["moved"] or entry["removed"]:
            snapshot["relations"].append({"model": model._meta.label, "field": field.name, "strategy": strategy,
                                          "from_customer_id": stored_duplicate.pk, **entry})

    choices = _apply_choices(stored_survivor, stored_duplicate, chosen_fields or {})
    stored_survivor._history_user = by
    stored_survivor._change_reason = f"merge: absorbed {stored_duplicate.code}"[:100]
    stored_survivor.save()
    stored_duplicate.merged_into = stored_survivor
    stored_duplicate._history_user = by
    stored_duplicate._change_reason = f"merge: merged into {stored_survivor.code}"[:100]
    stored_duplicate.save(update_fields=["merged_into", "updated_at"])

    as_of = _summary_as_of(snapshot) or timezone.localdate()
    for label in sorted(recompute):
        fn = merge_rules.RECOMPUTERS.get(label)
        if fn is not None:
            fn(customer_ids=[stored_survivor.pk], as_of=as_of)

    merge = CustomerMerge.objects.create(survivor=stored_survivor, duplicate=stored_duplicate, chosen_fields=choices,
                                         snapshot=snapshot, merged_by=by)
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    return merge


def _summary_as_of(snapshot):
    """The date the survivor's figures were computed for (recomputing for another date would move its windows)."""
    label = CustomerPurchaseSummary._meta.label
    for entry in snapshot["relations"]:
        if entry["model"] == label:
            for row in entry["removed"]:
                if row["fields"].get("as_of"):
                    return datetime.date.fromisoformat(row["fields"]["as_of"][:10])
    return None


@transaction.atomic
def customer_merge_undo(*, merge, by):
    """Undo a merge: both records and every moved, removed or recomputed row as they were before it."""
    stored = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    require(by, "customers.merge", stored.survivor)
    if stored.state != CustomerMerge.State.DONE:
        raise MergeError(_("This merge has already been undone."))
    snapshot = stored.snapshot
    if not snapshot:
        raise MergeError(_("A personal-data deletion request erased what this merge kept of the records, so it can "
                           "no longer be undone."))
    survivor_id, duplicate_id = snapshot["survivor_id"], snapshot["duplicate_id"]
    list(Customer.objects.select_for_update().filter(pk__in=[survivor_id, duplicate_id]).order_by("pk"))
    later = CustomerMerge.objects.filter(state=CustomerMerge.State.DONE, merged_at__gt=stored.merged_at).filter(
        Q(survivor_id__in=[survivor_id, duplicate_id]) | Q(duplicate_id__in=[survivor_id, duplicate_id]))
    if later.exists():
        raise MergeError(_("A later merge involves these records; undo that one first."))

    # Reverse order: rows re-inserted before the moves back cannot collide, because the collisions were with
    # rows of the survivor, which stay where they are.
    for entry in reversed(snapshot["relations"]):
        model = merge_rules.model_of(entry["model"])
        field = model._meta.get_field(entry["field"])
        manager = model._base_manager
        if entry["strategy"] == merge_rules.RECOMPUTE:
            # Whatever the recomputation (or the nightly work since) wrote gives way to the rows as they were.
            manager.filter(**{f"{field.attname}__in": [survivor_id, duplicate_id]}).delete()
        if entry["moved"]:
            manager.filter(pk__in=entry["moved"]).update(**{field.attname: entry["from_customer_id"]})
        if entry["removed"]:
            restore_rows(entry["removed"])

    restore_rows(snapshot["customers"])
    for label in sorted(merge_rules.RECOMPUTE_AFTER_UNDO):
        merge_rules.RECOMPUTERS[label](customer_ids=[survivor_id, duplicate_id], as_of=timezone.localdate())
    sql, params = queryset_ids_sql(Customer.objects.filter(pk__in=[survivor_id, duplicate_id]))
    write_customer_history(customer_ids_sql=sql, params=params, by=by, reason=f"merge #{stored.pk} undone")
    CustomerMerge.objects.filter(pk=stored.pk, state=CustomerMerge.State.DONE).update(
        state=CustomerMerge.State.UNDONE, undone_by=by, undone_at=timezone.now())
    stored.refresh_from_db()
    return stored


__all__ = ["MergeError", "customer_merge", "customer_merge_undo", "default_choices", "merged_consent"]
