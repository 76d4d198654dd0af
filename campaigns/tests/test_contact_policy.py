"""The frequency cap's page: everyone reads it, managers change it, and the change governs the next selection."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns.models import ContactPolicy
from campaigns.segments import frequency_capped_q
from campaigns.services import contact_policy_update
from crm.roles import Role
from customers.models import Customer, Touchpoint
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
URL = "/campaigns/contact-policy/"


def capped(now):
    return set(Customer.objects.filter(frequency_capped_q(channel="email", now=now)).values_list("pk", flat=True))


def test_it_is_mounted_under_campaigns():
    assert reverse("campaigns:contact_policy") == URL


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.LIST_MAINTAINER])
def test_other_roles_read_the_cap_but_cannot_change_it(client_for, users_by_role, role, english):
    client = client_for(users_by_role[role])
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="policy-read-only"' in html
    assert 'name="max_contacts_30d"' in html and "disabled" in html
    assert client.post(URL, {"max_contacts_30d": "9", "max_contacts_180d": "9"}).status_code == 403
    assert ContactPolicy.current().max_contacts_30d == 2


def test_a_manager_changes_the_cap_and_the_next_selection_follows_it(client_for, manager):
    customer = CustomerFactory()
    now = timezone.now()
    for days_ago in (3, 10):
        Touchpoint.objects.create(customer=customer, channel=Touchpoint.Channel.EMAIL, department="sales",
                                  summary="newsletter", occurred_at=now - datetime.timedelta(days=days_ago))  # fmt: skip
    assert capped(now) == {customer.pk}  # 2 in 30 days: at the default cap
    response = client_for(manager).post(URL, {"max_contacts_30d": "3", "max_contacts_180d": "8"})
    assert response.status_code == 302 and response["Location"] == URL
    policy = ContactPolicy.current()
    assert (policy.max_contacts_30d, policy.max_contacts_180d) == (3, 8)
    assert capped(now) == set()


def test_the_service_refuses_a_rep_and_impossible_caps(rep, manager):
    with pytest.raises(PermissionDenied):
        contact_policy_update(by=rep, max_contacts_30d=5, max_contacts_180d=10)
    with pytest.raises(ValidationError):
        contact_policy_update(by=manager, max_contacts_30d=4, max_contacts_180d=3)
    with pytest.raises(ValidationError):
        contact_policy_update(by=manager, max_contacts_30d=0, max_contacts_180d=3)
    assert str(ContactPolicy.current()) == "2/30d, 6/180d"


def test_the_page_shows_the_error_of_an_impossible_cap(client_for, manager, english):
    response = client_for(manager).post(URL, {"max_contacts_30d": "5", "max_contacts_180d": "2"})
    assert response.status_code == 200
    assert "The 180-day cap cannot be lower than the 30-day cap." in response.content.decode()
