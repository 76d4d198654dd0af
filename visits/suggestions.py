"""Suggested updates: what a rep heard on the road (a new number, a new contact, the customer closed or moved)
waits for the list maintainer, who accepts or rejects it in one click. Accepting applies the change through the
customers services, so the customer's history records who changed what; reps never edit master data by hand.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.permissions import require
from customers import services as customer_services
from customers.models import Contact, Customer

from .models import UpdateSuggestion

# Suggestion kind -> the customer field an accepted suggestion writes.
FIELD_OF_KIND = {
    UpdateSuggestion.Kind.PHONE: "phone",
    UpdateSuggestion.Kind.MOBILE: "mobile",
    UpdateSuggestion.Kind.EMAIL: "email",
    UpdateSuggestion.Kind.ADDRESS: "address",
    UpdateSuggestion.Kind.MOVED: "address",
}
# The reason an accepted change leaves in the customer's history: stored in English as data, shown in the reader's
# language (apps.py registers the words with customers.maintenance.history).
HISTORY_REASON = "suggested by a rep"
HISTORY_REASON_WORDS = gettext_lazy("Update suggested by a rep")
# A contact person may come without a name ("our contact left"): the maintainer then finds the new one.
NEEDS_VALUE = {UpdateSuggestion.Kind.PHONE, UpdateSuggestion.Kind.MOBILE, UpdateSuggestion.Kind.EMAIL,
               UpdateSuggestion.Kind.ADDRESS}


@transaction.atomic
def suggestion_create(*, customer, kind, by, value="", note="", visit_log=None, daily_report=None):
    """Anyone who may add touchpoints may suggest a change; the same pending suggestion is not made twice."""
    require(by, "touchpoints.add")
    value = " ".join((value or "").split())
    if kind in NEEDS_VALUE and not value:
        raise ValidationError({"value": _("Give the new value.")})
    existing = UpdateSuggestion.objects.filter(customer_id=customer.pk, kind=kind, proposed_value=value,
                                               state=UpdateSuggestion.State.PENDING).first()
    if existing is not None:
        return existing
    return UpdateSuggestion.objects.create(
        customer_id=customer.pk, kind=kind, proposed_value=value[:300], note=(note or "").strip()[:300],
        visit_log=visit_log, daily_report=daily_report, suggested_by=by,
    )


def _claim(suggestion, state, by):
    """Move a pending suggestion to `state` by a conditional update: of two clicks, one wins."""
    moved = UpdateSuggestion.objects.filter(pk=suggestion.pk, state=UpdateSuggestion.State.PENDING).update(
        state=state, decided_by=by, decided_at=timezone.now())
    if moved != 1:
        raise ValidationError(_("This suggestion has already been decided."))


def _apply(suggestion, by):
    kind = suggestion.kind
    if kind == UpdateSuggestion.Kind.CONTACT_PERSON:
        if not suggestion.proposed_value:
            return
        customer_services.contact_save(contact=Contact(customer_id=suggestion.customer_id,
                                                       name=suggestion.proposed_value), by=by)
        return
    if kind == UpdateSuggestion.Kind.BUSINESS_CLOSED:
        try:
            customer_services.customer_retire(customer=Customer.objects.get(pk=suggestion.customer_id), by=by,
                                              reason=suggestion.note or _("Reported closed by the rep"))
        except customer_services.RetirementError as error:
            raise ValidationError(_("This customer is already retired.")) from error
        return
    field = FIELD_OF_KIND.get(kind)
    if field is None or not suggestion.proposed_value:
        return  # "moved" without a new address: the maintainer decides on the card
    customer = Customer.objects.get(pk=suggestion.customer_id)
    setattr(customer, field, suggestion.proposed_value)
    # The history names who accepted it and why, also outside a request (where no middleware sets the user).
    customer._history_user = by
    customer._change_reason = HISTORY_REASON
    customer_services.customer_update(customer=customer, by=by)


@transaction.atomic
def suggestion_accept(*, suggestion, by):
    """Accept and apply (customers.edit_any: the list maintainer, the administrator)."""
    require(by, "customers.edit_any")
    stored = UpdateSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    _claim(stored, UpdateSuggestion.State.ACCEPTED, by)
    _apply(stored, by)
    stored.refresh_from_db()
    return stored


@transaction.atomic
def suggestion_reject(*, suggestion, by):
    require(by, "customers.edit_any")
    stored = UpdateSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    _claim(stored, UpdateSuggestion.State.REJECTED, by)
    stored.refresh_from_db()
    return stored
