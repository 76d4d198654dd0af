"""The customer card's list-maintenance panel: completeness, retirement, merges, and the maintainer's actions
(retire / bring back, merge with…, deletion request). Registered in CustomersConfig.ready()."""
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from crm.permissions import can
from customers.models import CustomerMerge

from .completeness import customer_completeness
from .history import reason_display
from .retire import latest_retirement

RECENT_MERGES = 5


def maintenance_card_panel(customer, user):
    """One read for everyone (contacts, for completeness); the retirement row when retired; the record's merges for
    who may merge (the card's query budget is shared by every panel)."""
    is_live = customer.merged_into_id is None
    may_merge = can(user, "customers.merge") and is_live
    merges = []
    if can(user, "customers.merge"):
        merges = list(CustomerMerge.objects.filter(Q(survivor=customer) | Q(duplicate=customer))
                      .select_related("survivor", "duplicate").order_by("-merged_at", "-pk")[:RECENT_MERGES])
    retirement = latest_retirement(customer)
    return {
        "completeness": customer_completeness(customer),
        "retirement": retirement,
        "retirement_reason": reason_display(retirement.reason) if retirement else "",
        "merges": merges,
        "may_retire": can(user, "customers.retire", customer) and is_live,
        "may_merge": may_merge,
        "may_erase": can(user, "customers.erase"),
        "merge_url": reverse("customers:merge_wizard") + "?" + urlencode({"survivor": customer.pk}) if may_merge else "",
        "is_retired": customer.lifecycle == customer.Lifecycle.RETIRED,
    }
