"""Reads of web inquiries for the customer card and the review queue."""
from django.db.models import Q

from customers.models import Inquiry


def unverified_inquiries_for(customer):
    """Inquiries that matched this customer (or a record merged into it) and still await review, oldest first."""
    return list(
        Inquiry.objects.filter(Q(customer=customer) | Q(customer__merged_into=customer), state=Inquiry.State.UNVERIFIED)
        .order_by("created_at", "pk")
    )


def inquiry_review_queue():
    """Every unverified inquiry, oldest first, with the customer it matched."""
    return Inquiry.objects.filter(state=Inquiry.State.UNVERIFIED).select_related("customer").order_by("created_at", "pk")


def inquiries_recently_reviewed(*, limit=20):
    return list(
        Inquiry.objects.filter(state__in=[Inquiry.State.ACCEPTED, Inquiry.State.REJECTED])
        .select_related("customer", "reviewed_by")
        .order_by("-reviewed_at", "-pk")[:limit]
    )
