"""State changes of the customer master: create and edit customers and contacts, record touchpoints.

Imports live in customers.customer_import, exports in customers.export, the public inquiry in
customers.inquiry. Every function here checks the permission layer itself, so no caller can skip it, and
checks it on the row as stored (locked until commit), not on the object the caller has already changed:
a rep who sets himself as an account's rep on the instance is still not the rep of the stored row.
"""
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from crm.permissions import require
from customers import normalize
from customers.models import Contact, Customer, Touchpoint

CONSENT_CHANNELS = ("email", "dm", "phone")
GENERATED_CODE_PREFIX = "P"


def customer_generate_code(*, prefix=GENERATED_CODE_PREFIX):
    """Next free code of the form P000123 (prospects registered by hand or through the inquiry form)."""
    last = (
        Customer.objects.filter(code__startswith=prefix, code__regex=rf"^{prefix}[0-9]+$").order_by("-code").values_list("code", flat=True).first()
    )
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def _stamp_consent_changes(customer, before):
    """A consent flag that changed gets its timestamp now (the method text is what the user typed)."""
    now = timezone.now()
    for channel in CONSENT_CHANNELS:
        flag = f"has_{channel}_consent"
        if before is None and not getattr(customer, flag):
            continue
        if before is None or getattr(before, flag) != getattr(customer, flag):
            setattr(customer, f"{channel}_consent_changed_at", now)


def customer_email_consent_record_by_owner(*, customer, given, method, reason, now):
    """Record the address's owner giving or withdrawing e-mail consent (the double opt-in link, an unsubscribe).

    No user acts, so no permission check: the caller has verified a token of its own and locked the row.
    `method` and `reason` (lazy strings) are stored in the company's language, whatever language the owner's
    browser asked for; the history keeps the reason.
    """
    with translation.override(settings.LANGUAGE_CODE):
        customer.email_consent_method = str(method)[:100]
        customer._change_reason = str(reason)
    customer.has_email_consent = given
    customer.email_consent_changed_at = now
    customer.save(update_fields=["has_email_consent", "email_consent_changed_at", "email_consent_method"])


def _clean_contact_fields(obj):
    if obj.phone:
        obj.phone = normalize.format_phone(obj.phone)
    if getattr(obj, "mobile", ""):
        obj.mobile = normalize.format_phone(obj.mobile)
    if getattr(obj, "fax", ""):
        obj.fax = normalize.format_phone(obj.fax)
    if obj.email:
        obj.email = normalize.email_key(obj.email)


def _clean_customer(customer):
    customer.name = normalize.clean_text(customer.name)
    customer.name_kana = normalize.clean_text(customer.name_kana)
    _clean_contact_fields(customer)
    if customer.postal_code:
        customer.postal_code = normalize.format_postal_code(customer.postal_code)
    if customer.address and not customer.prefecture:
        customer.prefecture, customer.address = normalize.split_prefecture(customer.address)


@transaction.atomic
def customer_create(*, customer, by, tags=None):
    """Save a new (unsaved) customer built by a form. A rep's new customer is his own unless assigned.

    Only who may reassign customers may give the new one to someone else, or register it as retired.
    """
    require(by, "customers.create")
    if customer.assigned_rep_id is None and by.is_sales_rep:
        customer.assigned_rep = by
    elif customer.assigned_rep_id not in (None, by.pk):
        require(by, "customers.reassign")
    if customer.lifecycle == Customer.Lifecycle.RETIRED:
        require(by, "customers.retire")
    customer = customer_create_unchecked(customer=customer, by=by)
    if tags is not None:
        customer.tags.set(tags)
    return customer


@transaction.atomic
def customer_create_unchecked(*, customer, by=None):
    """Insert a customer for a caller that has done its own checks (the public inquiry form has no user)."""
    customer.created_by = by
    _clean_customer(customer)
    _stamp_consent_changes(customer, None)
    generate = not customer.code
    for _attempt in range(5):
        if generate:
            customer.code = customer_generate_code()
        try:
            with transaction.atomic():  # savepoint: a code taken concurrently is retried, not fatal
                customer.save()
            return customer
        except IntegrityError:
            if not generate:
                raise
    raise IntegrityError("could not allocate a customer code")


@transaction.atomic
def customer_update(*, customer, by, tags=None):
    """Save edits to a customer (a form's instance); the history records who changed what.

    The edit right is checked on the stored row; changing the rep needs the reassign right, and retiring
    a customer or bringing a retired one back needs the retire right, whoever owns it.
    """
    before = Customer.objects.select_for_update().get(pk=customer.pk)
    require(by, "customers.edit", before)
    if customer.assigned_rep_id != before.assigned_rep_id:
        require(by, "customers.reassign", before)
    retired = Customer.Lifecycle.RETIRED
    if (customer.lifecycle == retired) != (before.lifecycle == retired):
        require(by, "customers.retire", before)
    _clean_customer(customer)
    _stamp_consent_changes(customer, before)
    customer.save()
    if tags is not None:
        customer.tags.set(tags)
    return customer


@transaction.atomic
def contact_save(*, contact, by):
    """Create or update a contact of a company customer (same rule as editing the customer).

    Checked on the stored customer; a contact moved to another customer needs the right on both.
    """
    require(by, "customers.edit", Customer.objects.select_for_update().get(pk=contact.customer_id))
    if contact.pk is not None:
        stored_customer_id = Contact.objects.select_for_update().values_list("customer_id", flat=True).get(pk=contact.pk)
        if stored_customer_id != contact.customer_id:
            require(by, "customers.edit", Customer.objects.select_for_update().get(pk=stored_customer_id))
    contact.name = normalize.clean_text(contact.name)
    contact.name_kana = normalize.clean_text(contact.name_kana)
    _clean_contact_fields(contact)
    contact.save()
    return contact


@transaction.atomic
def touchpoint_add(*, customer, by, department, channel, summary, occurred_at=None):
    """Anyone signed in may add what they learned to any customer: that is the point of a shared list.

    No record rule applies (touchpoints.add has none), so there is no stored row to check.
    """
    require(by, "touchpoints.add")
    return Touchpoint.objects.create(
        customer=customer,
        author=by,
        department=department,
        channel=channel,
        summary=summary.strip(),
        occurred_at=occurred_at or timezone.now(),
    )



# List maintenance services live in customers.maintenance; they are re-exported so callers use one module.
from customers.maintenance.bulk import customers_add_tag_bulk, customers_assign_rep_bulk  # noqa: E402
from customers.maintenance.deletion import (  # noqa: E402
    DeletionError,
    deletion_request_execute,
    deletion_request_receive,
    deletion_request_reject,
)
from customers.maintenance.merge import MergeError, customer_merge, customer_merge_undo  # noqa: E402
from customers.maintenance.retire import (  # noqa: E402
    RetirementError,
    customer_retire,
    customer_unretire,
    customers_retire_bulk,
)
from customers.maintenance.rules import review_flags_resolve, review_rules_evaluate  # noqa: E402

__all__ = [
    "DeletionError",
    "MergeError",
    "RetirementError",
    "contact_save",
    "customer_create",
    "customer_create_unchecked",
    "customer_generate_code",
    "customer_merge",
    "customer_merge_undo",
    "customer_retire",
    "customer_unretire",
    "customer_update",
    "customers_add_tag_bulk",
    "customers_assign_rep_bulk",
    "customers_retire_bulk",
    "deletion_request_execute",
    "deletion_request_receive",
    "deletion_request_reject",
    "review_flags_resolve",
    "review_rules_evaluate",
    "touchpoint_add",
]
