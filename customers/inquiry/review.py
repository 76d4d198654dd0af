"""The list maintainer's review of web inquiries that matched a known customer.

Such an inquiry is not known to come from that customer (anyone can type a customer's e-mail address or phone
number). The reviewer accepts it, which records it on the customer as a touchpoint written by the reviewer, or
rejects it as spam or as not from this customer. Either way the customer's fields and consent stay as they are.
"""
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from crm.permissions import require
from customers.models import Inquiry, Touchpoint


class InquiryAlreadyReviewed(Exception):
    """Someone else decided first (or the inquiry never needed review)."""


class InquiryWithoutCustomer(Exception):
    """The matched customer was deleted: there is nobody to record it on; it can only be rejected."""


def _live_customer(inquiry):
    customer = inquiry.customer
    # A customer merged away since: the inquiry belongs to the record that survived.
    if customer is not None and customer.merged_into_id:
        customer = customer.merged_into
    return customer


@transaction.atomic
def inquiry_accept(*, inquiry, by):
    """Accept an unverified inquiry: a touchpoint on the customer, written by the reviewer. Returns the touchpoint."""
    require(by, "inquiries.review")
    customer = _live_customer(inquiry)
    if customer is None:
        raise InquiryWithoutCustomer()
    now = timezone.now()
    claimed = Inquiry.objects.filter(pk=inquiry.pk, state=Inquiry.State.UNVERIFIED).update(
        state=Inquiry.State.ACCEPTED, reviewed_by=by, reviewed_at=now, customer=customer
    )
    if not claimed:
        raise InquiryAlreadyReviewed()
    received = formats.date_format(timezone.localtime(inquiry.created_at), "SHORT_DATETIME_FORMAT")
    header = _("Received through the web inquiry form on %(received)s; reviewed and accepted by %(reviewer)s.") % {
        "received": received,
        "reviewer": by,
    }
    sender = _("Sent by %(name)s") % {"name": inquiry.name} + (f" ({inquiry.company})" if inquiry.company else "")
    touchpoint = Touchpoint.objects.create(
        customer=customer,
        author=by,
        department=Touchpoint.Department.SALES,
        channel=Touchpoint.Channel.WEB,
        occurred_at=inquiry.created_at,
        summary="\n".join([header, sender, f"{inquiry.email} {inquiry.phone}".strip(), "", inquiry.message]),
    )
    Inquiry.objects.filter(pk=inquiry.pk).update(touchpoint=touchpoint)
    inquiry.refresh_from_db()
    return touchpoint


@transaction.atomic
def inquiry_reject(*, inquiry, by, reason):
    """Reject an unverified inquiry as spam or as not from this customer; nothing is recorded on the customer."""
    require(by, "inquiries.review")
    if reason not in {Inquiry.RejectionReason.SPAM, Inquiry.RejectionReason.NOT_THIS_CUSTOMER}:
        raise ValueError(f"unknown rejection reason: {reason!r}")
    claimed = Inquiry.objects.filter(pk=inquiry.pk, state=Inquiry.State.UNVERIFIED).update(
        state=Inquiry.State.REJECTED, reviewed_by=by, reviewed_at=timezone.now(), rejection_reason=reason
    )
    if not claimed:
        raise InquiryAlreadyReviewed()
    inquiry.refresh_from_db()
    return inquiry
