"""Retirement: who may retire, what is recorded, and that a retired customer leaves targeting and the list."""
import pytest
from django.urls import reverse

from crm.permissions import Refused
from crm.roles import Role
from customers.models import Customer, CustomerRetirement
from customers.services import RetirementError, customer_retire, customer_unretire, customers_retire_bulk
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_it_retires_with_when_why_and_by(maintainer):
    customer = CustomerFactory(lifecycle=Customer.Lifecycle.PROSPECT)
    row = customer_retire(customer=customer, by=maintainer, reason="廃業")
    customer.refresh_from_db()
    assert customer.lifecycle == Customer.Lifecycle.RETIRED
    assert (row.action, row.previous_lifecycle, row.reason, row.by) == ("retire", "prospect", "廃業", maintainer)
    latest = customer.history.order_by("-history_id").first()
    assert latest.lifecycle == "retired" and latest.history_user == maintainer


def test_it_brings_back_the_lifecycle_it_had(maintainer):
    customer = CustomerFactory(lifecycle=Customer.Lifecycle.PROSPECT)
    customer_retire(customer=customer, by=maintainer, reason="x")
    customer_unretire(customer=customer, by=maintainer, reason="再開")
    customer.refresh_from_db()
    assert customer.lifecycle == Customer.Lifecycle.PROSPECT
    assert list(customer.retirements.values_list("action", flat=True)) == ["unretire", "retire"]


def test_it_refuses_to_retire_twice(maintainer):
    customer = CustomerFactory()
    customer_retire(customer=customer, by=maintainer)
    with pytest.raises(RetirementError):
        customer_retire(customer=customer, by=maintainer)


@pytest.mark.parametrize("role,allowed", [(Role.SALES_REP, False), (Role.MANAGER, False),
                                          (Role.LIST_MAINTAINER, True), (Role.ADMIN, True)])
def test_only_maintainer_and_admin_retire(users_by_role, role, allowed):
    user = users_by_role[role]
    customer = CustomerFactory(assigned_rep=user)
    if allowed:
        customer_retire(customer=customer, by=user)
        assert Customer.objects.get(pk=customer.pk).lifecycle == "retired"
    else:
        with pytest.raises(Refused):
            customer_retire(customer=customer, by=user)
        assert Customer.objects.get(pk=customer.pk).lifecycle == "customer"
        assert not CustomerRetirement.objects.exists()


def test_bulk_retirement_is_set_based_and_keeps_history(maintainer, django_assert_max_num_queries):
    live = CustomerFactory.create_batch(3, lifecycle=Customer.Lifecycle.PROSPECT)
    already = CustomerFactory(lifecycle=Customer.Lifecycle.RETIRED)
    history_before = Customer.history.count()
    with django_assert_max_num_queries(8):
        n = customers_retire_bulk(queryset=Customer.objects.all(), by=maintainer, reason="一括")
    assert n == 3
    assert set(Customer.objects.values_list("lifecycle", flat=True)) == {"retired"}
    assert CustomerRetirement.objects.filter(previous_lifecycle="prospect").count() == 3
    assert not already.retirements.exists()
    assert Customer.history.count() == history_before + 3
    assert set(Customer.history.filter(history_user=maintainer).values_list("id", flat=True)) == {c.pk for c in live}


def test_bulk_retirement_needs_the_right(rep):
    CustomerFactory()
    with pytest.raises(Refused):
        customers_retire_bulk(queryset=Customer.objects.all(), by=rep)


def test_a_retired_customer_is_excluded_from_a_campaign_audience(maintainer):
    from campaigns import segments
    from campaigns.models import Campaign

    kept = CustomerFactory(has_email_consent=True)
    retired = CustomerFactory(has_email_consent=True)
    customer_retire(customer=retired, by=maintainer, reason="閉店")
    aud = segments.audience(filters={}, channel=Campaign.Channel.EMAIL)
    assert list(aud.selected.values_list("pk", flat=True)) == [kept.pk]
    assert aud.counts()["excluded"] == {"retired": 1}


def test_the_list_hides_retired_customers_unless_asked(client_for, maintainer):
    CustomerFactory(name="現役商事")
    gone = CustomerFactory(name="引退商事")
    customer_retire(customer=gone, by=maintainer)
    client = client_for(maintainer)
    page = client.get(reverse("customers:list")).content.decode()
    assert "現役商事" in page and "引退商事" not in page
    page = client.get(reverse("customers:list"), {"lifecycle": "retired"}).content.decode()
    assert "引退商事" in page and "現役商事" not in page
