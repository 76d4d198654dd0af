"""The list maintainer's worklist (customers/worklist.py) reads what reps suggested: registered from VisitsConfig.

Two sources: customers with suggested field changes waiting (phone, e-mail, address, contact person) and customers
reported closed or moved. Each is one count query and a Customer QuerySet the worklist pages itself.
"""
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

from .models import UpdateSuggestion

CLOSED_OR_MOVED = [UpdateSuggestion.Kind.BUSINESS_CLOSED, UpdateSuggestion.Kind.MOVED]


def _pending(closed):
    pending = UpdateSuggestion.objects.filter(state=UpdateSuggestion.State.PENDING)
    return pending.filter(kind__in=CLOSED_OR_MOVED) if closed else pending.exclude(kind__in=CLOSED_OR_MOVED)


def _customers(closed):
    return Customer.objects.filter(pk__in=_pending(closed).values("customer_id"))


def _count(closed):
    return _pending(closed).values("customer_id").distinct().count()


def register(register_worklist_source):
    register_worklist_source("rep_suggestions", label=_("Suggestions from reps waiting"),
                             count_fn=lambda: _count(False), queryset_fn=lambda: _customers(False), order=40)
    register_worklist_source("reported_closed_or_moved", label=_("Customers reported closed or moved"),
                             count_fn=lambda: _count(True), queryset_fn=lambda: _customers(True), order=41)
