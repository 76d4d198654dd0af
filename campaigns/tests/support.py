"""Builders shared by the campaigns tests: customers with a dormancy verdict and a purchase summary."""
import datetime
import itertools

from django.utils import timezone

from crm.dormancy.models import CustomerDormancy
from customers.models import Customer, CustomerPurchaseSummary, Touchpoint

NOW = timezone.make_aware(datetime.datetime(2026, 5, 15, 12, 0))
TODAY = NOW.date()
_codes = itertools.count(1)


def customer(*, status=None, reason="", priority=None, next_purchase=None, total=None, last_purchase=None,
             consent=True, **fields):
    """A customer with every consent and an address unless told otherwise."""
    defaults = {
        "code": f"T{next(_codes):05d}", "name": "株式会社テスト", "lifecycle": Customer.Lifecycle.CUSTOMER,
        "email": "info@example.jp", "address": "東京都千代田区1-1", "phone": "03-1111-2222",
        "has_email_consent": consent, "has_dm_consent": consent, "has_phone_consent": consent,
    }
    defaults.update(fields)
    obj = Customer.objects.create(**defaults)
    if status:
        CustomerDormancy.objects.create(customer=obj, status=status, reason=reason, priority_score=priority,
                                        next_expected_purchase_on=next_purchase, as_of=TODAY)
    if total is not None or last_purchase is not None:
        CustomerPurchaseSummary.objects.create(customer=obj, total_amount=total or 0, last_purchase_on=last_purchase,
                                               as_of=TODAY)
    return obj


def touch(customer_obj, channel, days_ago, *, now=NOW):
    return Touchpoint.objects.create(customer=customer_obj, channel=channel, department="sales", summary="連絡",
                                     occurred_at=now - datetime.timedelta(days=days_ago))
