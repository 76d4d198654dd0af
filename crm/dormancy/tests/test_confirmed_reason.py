"""A confirmed reason (what the customer told us) is recorded with who, how and the inferred reason it corrects."""
import pytest

from crm.dormancy.models import ConfirmedReason, CustomerDormancy
from crm.dormancy.services import confirmed_reason_record
from crm.permissions import Refused
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(rep):
    customer = Customer.objects.create(code="C1", name="北斗精機", assigned_rep=rep)
    CustomerDormancy.objects.create(customer=customer, status="dormant", reason="price", as_of="2026-11-01")
    return customer


def test_a_rep_records_the_reason_for_his_own_account_and_a_later_one_replaces_it(rep, account):
    confirmed_reason_record(customer=account, reason="customer_side", note="担当者交代", by=rep, source="visit")
    confirmed_reason_record(customer=account, reason="product", by=rep, source="call")
    stored = ConfirmedReason.objects.get(customer=account)
    assert (stored.reason, stored.source, stored.inferred_reason, stored.confirmed_by) == (
        "product", "call", "price", rep)
    assert stored.history.count() == 2


def test_a_rep_cannot_record_it_for_another_reps_account(make_user, account):
    other = make_user(role="sales_rep", username="other")
    with pytest.raises(Refused):
        confirmed_reason_record(customer=account, reason="price", by=other, source="visit")
    assert not ConfirmedReason.objects.exists()


def test_only_the_feedback_form_records_without_a_user(account):
    with pytest.raises(ValueError):
        confirmed_reason_record(customer=account, reason="price", by=None, source="visit")
    confirmed_reason_record(customer=account, reason="price", by=None, source="feedback")
    assert ConfirmedReason.objects.get(customer=account).source == "feedback"
