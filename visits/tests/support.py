"""Builders for the visits tests: customers with a dormancy verdict, written directly (no scan needed)."""
import datetime
import itertools

from django.utils import timezone

from crm.dormancy.models import CustomerDormancy
from customers.models import Customer

_codes = itertools.count(1)


def customer(name="顧客", *, rep=None, key=False, status=None, priority=None, reason="price", dormant_since=None,
             as_of=None, **extra):
    c = Customer.objects.create(code=f"V{next(_codes):05d}", name=name, assigned_rep=rep, is_key_account=key,
                                lifecycle=Customer.Lifecycle.CUSTOMER, **extra)
    if status is not None:
        as_of = as_of or timezone.localdate()
        CustomerDormancy.objects.create(
            customer=c, status=status, rule="inactivity", reason=reason, priority_score=priority,
            dormant_since=dormant_since or (as_of - datetime.timedelta(days=10) if status == "dormant" else None),
            days_since_last_purchase=200, as_of=as_of,
        )
    return c


def at(day, hour=10, minute=0):
    """An aware datetime on a Tokyo day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def visit_settings(**values):
    """The settings row with the defaults and `values` (a row may be left by a transactional test's scan)."""
    from visits.models import VisitSettings

    defaults = {f.name: f.default for f in VisitSettings._meta.concrete_fields if f.name not in ("id", "updated_at")}
    return VisitSettings.objects.update_or_create(pk=1, defaults={**defaults, **values})[0]
