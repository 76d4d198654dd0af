"""The customer master's sections of the home page (registered in apps.CustomersConfig.ready, see crm/home.py).

- phone look-up: a rep's first field (a customer calls; type the number, land on the card);
- my recent touchpoints: what the rep last recorded, to carry on from there;
- the list maintainer's queue: the latest imports and their state; what the live customers lack (each count links
  to the customer list filtered by it, counted up to the list's own cap: "1,000+") and the web inquiries waiting
  for review.
Each context function reads a bounded number of rows in a fixed number of queries.
"""
from django.urls import reverse
from django.utils.http import urlencode

from crm.pagination import COUNT_CAP
from customers.filters import MISSING_CHOICES, MISSING_CONDITIONS
from customers.models import Customer, ImportBatch, Inquiry, Touchpoint

RECENT_TOUCHPOINTS = 5
RECENT_IMPORTS = 5


def phone_lookup(user):
    return {"lookup_url": reverse("customers:phone_lookup")}


def my_recent_touchpoints(user):
    """The rep's own latest touchpoints, with their customers (one query)."""
    touchpoints = (
        Touchpoint.objects.filter(author=user).select_related("customer").order_by("-occurred_at", "-pk")
    )[:RECENT_TOUCHPOINTS]
    return {"touchpoints": list(touchpoints)}


def _batch_url(batch):
    if batch.kind == ImportBatch.Kind.PURCHASES:
        return reverse("customers:purchase_import_preview", args=[batch.pk])
    return reverse("customers:import_detail", args=[batch.pk])


def latest_imports(user):
    """The latest import batches, customers and purchases, with their state and who uploaded them (one query)."""
    batches = ImportBatch.objects.select_related("uploaded_by").order_by("-created_at", "-pk")[:RECENT_IMPORTS]
    return {
        "batches": [{"batch": batch, "url": _batch_url(batch)} for batch in batches],
        "import_url": reverse("customers:import"),
    }


def data_quality(user):
    """Live customers missing a phone, e-mail, address or rep, each counted up to the customer list's cap (one query
    each, on its partial index: migration 0009), and the web inquiries waiting for review (one count)."""
    live = Customer.objects.filter(merged_into__isnull=True).exclude(lifecycle=Customer.Lifecycle.RETIRED)
    list_url = reverse("customers:list")
    missing = []
    for key, label in MISSING_CHOICES:
        count = live.filter(MISSING_CONDITIONS[key]).order_by()[: COUNT_CAP + 1].count()
        missing.append({"key": key, "label": label, "count": min(count, COUNT_CAP), "is_capped": count > COUNT_CAP,
                        "url": f"{list_url}?{urlencode({'missing': key})}"})  # fmt: skip
    return {
        "missing": missing,
        "unverified_inquiries": Inquiry.objects.filter(state=Inquiry.State.UNVERIFIED).count(),
        "review_url": reverse("inquiry:review_queue"),
    }
