"""The public inquiry form: creates a prospect or attaches to a known customer; honeypot and rate limit."""
import pytest
from django.urls import reverse

from customers.models import Contact, Customer, Touchpoint

URL = "/inquiry/"


def post_data(**overrides):
    data = {"name": "山本 太郎", "company": "", "email": "Taro@Example.jp", "phone": "090-1234-5678",
            "message": "見積をお願いします", "consent": "on", "website": ""}  # fmt: skip
    data.update(overrides)
    return data


def test_it_is_mounted_at_inquiry():
    assert reverse("inquiry:form") == URL


def test_it_shows_the_form_without_login(client, db):
    response = client.get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="website"' in content and 'data-testid="inquiry-form"' in content


def test_it_creates_a_person_prospect_with_a_touchpoint(client, db):
    response = client.post(URL, post_data())
    assert response.status_code == 302 and response["Location"] == reverse("inquiry:thanks")
    customer = Customer.objects.get()
    assert (customer.kind, customer.lifecycle, customer.source) == ("person", "prospect", "web_inquiry")
    assert (customer.name, customer.email, customer.phone) == ("山本 太郎", "taro@example.jp", "090-1234-5678")
    assert customer.code.startswith("P") and customer.has_email_consent and customer.email_consent_changed_at
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.customer == customer and touchpoint.channel == "web" and "見積をお願いします" in touchpoint.summary
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and 'data-testid="inquiry-thanks"' in thanks.content.decode()


def test_it_creates_a_company_prospect_with_the_person_as_contact(client, db):
    client.post(URL, post_data(company="株式会社ミライ", consent=""))
    customer = Customer.objects.get()
    assert (customer.kind, customer.name, customer.has_email_consent) == ("company", "株式会社ミライ", False)
    assert Contact.objects.get(customer=customer).name == "山本 太郎"


@pytest.mark.parametrize("field", ["email", "phone"])
def test_it_attaches_to_a_known_customer_by_normalized_email_or_phone(client, db, field):
    known = Customer.objects.create(code="C0001", name="既存商事", email="taro@example.jp" if field == "email" else "",
                                    phone="０９０（１２３４）５６７８" if field == "phone" else "")  # fmt: skip
    overrides = {"email": "other@example.jp"} if field == "phone" else {"phone": ""}
    client.post(URL, post_data(**overrides))
    assert Customer.objects.count() == 1
    assert Touchpoint.objects.get().customer == known


def test_it_attaches_to_a_customer_whose_contact_matches(client, db):
    known = Customer.objects.create(code="C0001", name="既存商事")
    Contact.objects.create(customer=known, name="山本", email="TARO@example.jp")
    client.post(URL, post_data())
    assert Customer.objects.count() == 1 and Touchpoint.objects.get().customer == known


def test_it_reports_invalid_input(client, db):
    response = client.post(URL, post_data(email="no-at-sign", phone="不明"))
    assert response.status_code == 200
    assert {"email", "phone"} <= set(response.context["form"].errors)
    assert not Customer.objects.exists()


def test_it_silently_drops_a_filled_honeypot(client, db):
    response = client.post(URL, post_data(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == reverse("inquiry:thanks")
    assert not Customer.objects.exists() and not Touchpoint.objects.exists()


def test_it_rate_limits_per_ip(client, db, settings):
    settings.MEZAME_INQUIRY_RATE_LIMIT = "2/h"
    for i in range(2):
        assert client.post(URL, post_data(email=f"p{i}@example.jp", phone=""), REMOTE_ADDR="10.0.0.1").status_code == 302
    blocked = client.post(URL, post_data(email="p9@example.jp", phone=""), REMOTE_ADDR="10.0.0.1")
    assert blocked.status_code == 429 and 'data-testid="rate-limited"' in blocked.content.decode()
    assert client.post(URL, post_data(email="q@example.jp", phone=""), REMOTE_ADDR="10.0.0.2").status_code == 302
    assert Customer.objects.count() == 3


@pytest.mark.redis
def test_it_counts_attempts_in_redis(db, settings):
    from django.core.cache import caches

    from customers.inquiry.services import inquiry_rate_limited

    assert caches["default"].__class__.__name__ == "RedisCache"
    assert [inquiry_rate_limited("192.0.2.1", rate="3/m") for _ in range(4)] == [False, False, False, True]
