"""Personal-data deletion requests (個人情報の削除請求): the only way a customer's personal data is erased.

deletion_request_receive(...) records who asked, when, how and who received it; deletion_request_execute(...)
erases: the customer's name becomes a placeholder and its kana, phones, e-mail, website, postal code, address,
the sales notes and the consent methods are emptied; its contact persons are deleted with their history; touchpoint
texts and web inquiries of the customer are blanked; and the same personal fields are blanked in every history row
of the customer. Purchases stay (amounts, dates, products: anonymized totals keep the figures right), the record is
retired so nothing targets it, and the request keeps a log of what was erased (fields and row counts, never
values). Apps above customers erase their own rows through register_erasure_hook (from their ready()), naming
each count they return, so the request's page (erasure_log_lines) shows words, never a stored key.

Both need customers.erase (maintainer, admin).
"""
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.permissions import require
from customers.models import Contact, Customer, CustomerMerge, CustomerRetirement, DeletionRequest, Inquiry, Touchpoint

# Customer fields that identify or describe a person or a contact at the company.
PERSONAL_FIELDS = (
    "name_kana", "phone", "mobile", "fax", "email", "website", "postal_code", "address",
    "company_overview", "decision_maker", "budget", "competitors", "timing", "notes",
    "email_consent_method", "dm_consent_method", "phone_consent_method",
)
SEARCH_KEYS = ("name_key", "kana_key", "phone_key", "mobile_key", "fax_key", "email_key", "postal_key")
ERASED_TEXT = "—"

# The log's own counts, as the request's page says them (%(count)s: rows).
LOG_LABELS = {
    "contacts_deleted": gettext_lazy("Contacts deleted: %(count)s"),
    "touchpoints_blanked": gettext_lazy("Touchpoint texts blanked: %(count)s"),
    "inquiries_blanked": gettext_lazy("Web inquiries blanked: %(count)s"),
    "history_rows_blanked": gettext_lazy("Earlier versions of the record blanked: %(count)s"),
    "merge_snapshots_erased": gettext_lazy("Merge snapshots erased (those merges can no longer be undone): %(count)s"),
}

# name -> (fn(*, customer, request) -> {key: rows}, {key: label}); registered by apps above customers.
_ERASURE_HOOKS = {}


class DeletionError(ValueError):
    """The request is not in a state that allows this; the message says why, in the user's language."""


def register_erasure_hook(name, fn, *, labels):
    """An app above customers erases its own personal data of the customer (visit notes, sent messages …).

    labels: {each key fn returns: its label for the request's page, a lazy gettext with %(count)s}. Required: the
    app that erases the rows is the one that knows what to call them.
    """
    _ERASURE_HOOKS[name] = (fn, dict(labels))


def erasure_log_lines(log):
    """What a request's log says, one translated line per entry, in the log's order (the request's page).

    A key nobody labels (a hook since removed, or one that forgot a label) is still shown readably, from its
    words: the count is what matters to whoever has to answer for the erasure."""
    lines = []
    # JSONB keeps keys in its own order: the record's own entries first, then each app's, by hook name.
    order = {key: i for i, key in enumerate(["customer_fields", *LOG_LABELS, *sorted(_ERASURE_HOOKS)])}
    for key, value in sorted(log.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        if key == "customer_fields":
            names = [str(_field_label(name)) for name in value]
            lines.append(_("Fields of the record erased: %(fields)s") % {"fields": ", ".join(names)})
        elif isinstance(value, dict):  # one hook's counts, under the hook's name
            labels = _ERASURE_HOOKS.get(key, (None, {}))[1]
            lines += [_log_line(labels, inner, count) for inner, count in value.items()]
        else:
            lines.append(_log_line(LOG_LABELS, key, value))
    return lines


def _field_label(name):
    try:
        return Customer._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name.replace("_", " ")


def _log_line(labels, key, count):
    label = labels.get(key)
    if label is not None:
        return label % {"count": count}
    return _("%(what)s: %(count)s") % {"what": key.replace("_", " ").capitalize(), "count": count}


def placeholder_name(customer):
    return _("Deleted customer %(code)s") % {"code": customer.code}


@transaction.atomic
def deletion_request_receive(*, customer, requested_by, requested_on, by, channel="", note=""):
    """Record a deletion request (state "received"); nothing is erased yet."""
    require(by, "customers.erase")
    return DeletionRequest.objects.create(
        customer=customer, customer_code=customer.code, requested_by=requested_by, requested_on=requested_on,
        channel=channel, note=note, received_by=by,
    )


@transaction.atomic
def deletion_request_reject(*, request, by, note=""):
    require(by, "customers.erase")
    if not DeletionRequest.objects.filter(pk=request.pk, state=DeletionRequest.State.RECEIVED).update(
            state=DeletionRequest.State.REJECTED, note=(request.note + "\n" + note).strip()):
        raise DeletionError(_("Only a request still waiting can be rejected; this one was executed or rejected."))
    request.refresh_from_db()
    return request


@transaction.atomic
def deletion_request_execute(*, request, by):
    """Erase the customer's personal data (see the module docstring); returns the executed request."""
    require(by, "customers.erase")
    # Claimed by a conditional update: two clicks (or two people) execute it once.
    claimed = DeletionRequest.objects.filter(pk=request.pk, state=DeletionRequest.State.RECEIVED).update(
        state=DeletionRequest.State.EXECUTED, executed_by=by, executed_at=timezone.now())
    if not claimed:
        raise DeletionError(_("This request is no longer waiting to be executed (it was executed or rejected)."))
    customer = Customer.objects.select_for_update().get(pk=request.customer_id)
    log = {"customer_fields": ["name", *PERSONAL_FIELDS]}

    log["contacts_deleted"] = Contact.objects.filter(customer=customer).count()
    Contact.objects.filter(customer=customer).delete()
    # After the delete: the deletion rows just recorded hold the values too.
    Contact.history.filter(customer_id=customer.pk).delete()
    log["touchpoints_blanked"] = Touchpoint.objects.filter(customer=customer).update(summary=ERASED_TEXT)
    log["inquiries_blanked"] = Inquiry.objects.filter(customer=customer).update(
        name=ERASED_TEXT, company="", email="erased@invalid", phone="", message=ERASED_TEXT, submitted_from_ip=None)

    blank = dict.fromkeys(PERSONAL_FIELDS, "")
    name = placeholder_name(customer)
    # Every earlier version of the record loses the same fields (the history keeps who changed what, not the data).
    log["history_rows_blanked"] = customer.history.update(name=name, **blank, **dict.fromkeys(SEARCH_KEYS, ""))

    # A merge's snapshot holds both records as they were: it is emptied, and that merge can no longer be undone.
    log["merge_snapshots_erased"] = CustomerMerge.objects.filter(
        Q(survivor=customer) | Q(duplicate=customer)).update(snapshot={})

    previous = customer.lifecycle
    for field, value in blank.items():
        setattr(customer, field, value)
    customer.name = name
    customer.has_email_consent = customer.has_dm_consent = customer.has_phone_consent = False
    customer.lifecycle = Customer.Lifecycle.RETIRED
    customer._history_user = by
    customer._change_reason = f"personal data erased (request #{request.pk})"
    customer.save()
    if previous != Customer.Lifecycle.RETIRED:
        CustomerRetirement.objects.create(customer=customer, action=CustomerRetirement.Action.RETIRE,
                                          previous_lifecycle=previous, reason=customer._change_reason, by=by)
    for hook_name in sorted(_ERASURE_HOOKS):
        erase, _labels = _ERASURE_HOOKS[hook_name]
        log[hook_name] = erase(customer=customer, request=request)
    DeletionRequest.objects.filter(pk=request.pk).update(log=log)
    request.refresh_from_db()
    return request
