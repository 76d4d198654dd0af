"""Completeness of the customer list: how many of the fields a usable record needs are filled, per record (0–100)
and for a whole list (the average, and how many records have each field), in one SQL aggregate.

list_completeness(queryset=None) is the selector the dashboard and the worklist page call;
customer_completeness(customer) is the card's figure for one record.
"""
from django.db import transaction
from django.db.models import Case, Count, Exists, FloatField, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer

from .worklists import live_customers, without_jit


def has_contact_person():
    # A person is his own contact; a company needs at least one active contact person (EXISTS: one index probe per
    # customer, never a rescan; see worklists.py).
    return Q(kind=Customer.Kind.PERSON) | Q(Exists(Contact.objects.filter(customer_id=OuterRef("pk"), is_active=True)))


# (key, label, condition meaning "filled")
COMPLETENESS_FIELDS = [
    ("name_kana", _("Name (kana)"), ~Q(kana_key="")),
    ("phone", _("Phone"), ~Q(phone_key="", mobile_key="")),
    ("email", _("E-mail"), ~Q(email_key="")),
    ("postal_code", _("Postal code"), ~Q(postal_key="")),
    ("address", _("Address"), ~Q(address="") & ~Q(prefecture="")),
    ("contact", _("Contact person"), None),  # built per query: it holds a subquery
    ("rep", _("Rep"), Q(assigned_rep__isnull=False)),
    ("industry", _("Industry"), ~Q(industry="")),
    ("source", _("Source"), ~Q(source="")),
]


def _conditions():
    return [(key, label, condition if condition is not None else has_contact_person())
            for key, label, condition in COMPLETENESS_FIELDS]


def completeness_expression():
    """Score 0–100 of a customer row as a SQL expression (annotate(completeness=…))."""
    filled = sum(
        (Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
         for _key, _label, condition in _conditions()),
        start=Value(0),
    )
    return Cast(filled, FloatField()) * Value(100.0) / Value(float(len(COMPLETENESS_FIELDS)))


def row_field_conditions():
    """[(key, condition)] of the fields read from the customer row itself (every field but the contact person),
    and the condition that all of them are filled."""
    row_fields = [(key, condition) for key, _label, condition in COMPLETENESS_FIELDS if condition is not None]
    all_row_fields = Q()
    for _key, condition in row_fields:
        all_row_fields &= condition
    return row_fields, all_row_fields


@transaction.atomic
def list_completeness(queryset=None):
    """{"score": average 0–100, "total": n, "complete": n at 100, "fields": [{key, label, filled, percent}]} of
    the live customers (or of `queryset`).

    Two queries: one aggregate over the row's own fields, and one count of the records with a contact person (its
    subquery in WHERE is a hash semi-join; inside the aggregate it would run once per customer, 2× slower). The
    average is the filled fields over all records and fields, which is the mean of the per-record scores.
    """
    queryset = (live_customers() if queryset is None else queryset).order_by()
    without_jit()
    row_fields, all_row_fields = row_field_conditions()
    row = queryset.aggregate(total=Count("pk"),
                             **{f"filled_{key}": Count("pk", filter=condition) for key, condition in row_fields})
    with_contact = queryset.filter(has_contact_person()).aggregate(
        n=Count("pk"), complete=Count("pk", filter=all_row_fields))
    row["filled_contact"] = with_contact["n"]
    row["complete"] = with_contact["complete"]
    return completeness_result(row)


def completeness_result(figures):
    """The list_completeness() dict from its additive figures: {"total", "complete", "filled_<field>"} (live, or
    summed by the nightly tally in customers.maintenance.tally)."""
    total = figures.get("total") or 0
    filled = {key: figures.get(f"filled_{key}") or 0 for key, _label, _condition in COMPLETENESS_FIELDS}
    return {
        "score": round(100.0 * sum(filled.values()) / (total * len(COMPLETENESS_FIELDS)), 1) if total else None,
        "total": total,
        "complete": figures.get("complete") or 0,
        "fields": [{"key": key, "label": label, "filled": filled[key],
                    "percent": round(100.0 * filled[key] / total, 1) if total else None}
                   for key, label, _condition in COMPLETENESS_FIELDS],
    }


def customer_completeness(customer):
    """{"score": 0–100, "missing": [labels]} of one customer (one query, for its contacts)."""
    checks = {
        "name_kana": bool(customer.kana_key),
        "phone": bool(customer.phone_key or customer.mobile_key),
        "email": bool(customer.email_key),
        "postal_code": bool(customer.postal_key),
        "address": bool(customer.address and customer.prefecture),
        "contact": customer.kind == Customer.Kind.PERSON or customer.contacts.filter(is_active=True).exists(),
        "rep": customer.assigned_rep_id is not None,
        "industry": bool(customer.industry),
        "source": bool(customer.source),
    }
    missing = [label for key, label, _condition in COMPLETENESS_FIELDS if not checks[key]]
    return {"score": round(100.0 * (len(checks) - len(missing)) / len(checks), 1), "missing": missing}
