"""The public inquiry form: a new sender becomes a prospect (consent only after the double opt-in); a sender matching a
known customer leaves an unverified inquiry and changes nothing on that customer; honeypot and rate limit."""
import pytest
from django.core import mail
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from customers.models import Contact, Customer, Inquiry, Touchpoint

URL = "/inquiry/"
THANKS = reverse("inquiry:thanks")


def post_data(**overrides):
    data = {"name": "山本 太郎", "company": "", "email": "Taro@Example.jp", "phone": "090-1234-5678",
            "message": "見積をお願いします", "consent": "on", "website": ""}  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _eager_tasks():
    from config.celery import app

    previous, app.conf.task_always_eager = app.conf.task_always_eager, True  # no worker here, even with Redis
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def submit(client, db, django_capture_on_commit_callbacks):
    """submit(**overrides) -> the response; after-commit work (the confirmation mail) runs as it would live."""

    def post(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, post_data(**overrides))

    return post


@pytest.fixture
def opted_out(db):
    """A customer who withdrew e-mail consent by phone, recorded by staff."""
    return Customer.objects.create(
        code="C0001", name="既存商事", email="taro@example.jp", phone="03-1111-2222", has_email_consent=False,
        email_consent_changed_at=timezone.now() - timezone.timedelta(days=30),
        email_consent_method="電話で配信停止の申し出",
    )  # fmt: skip


def snapshot(customer):
    customer = Customer.objects.get(pk=customer.pk)
    return model_to_dict(customer, exclude=["tags"]) | {"updated_at": customer.updated_at}


def test_it_is_mounted_at_inquiry():
    assert reverse("inquiry:form") == URL


def test_it_shows_the_form_without_login(client, db):
    response = client.get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="website"' in content and 'data-testid="inquiry-form"' in content


class TestNewSender:
    def test_it_creates_a_person_prospect_with_a_touchpoint_and_no_consent_yet(self, submit):
        response = submit()
        assert response.status_code == 302 and response["Location"] == THANKS + "?consent=1"
        customer = Customer.objects.get()
        assert (customer.kind, customer.lifecycle, customer.source) == ("person", "prospect", "web_inquiry")
        assert (customer.name, customer.email, customer.phone) == ("山本 太郎", "taro@example.jp", "090-1234-5678")
        assert customer.code.startswith("P")
        # Ticking the box is only a request: consent waits for the address to confirm it.
        assert not customer.has_email_consent and customer.email_consent_changed_at is None
        touchpoint = Touchpoint.objects.get()
        assert touchpoint.customer == customer and touchpoint.channel == "web" and "見積をお願いします" in touchpoint.summary

    def test_it_stores_the_inquiry_as_typed_linked_to_the_new_prospect(self, submit):
        submit()
        inquiry = Inquiry.objects.get()
        assert inquiry.state == Inquiry.State.NEW_PROSPECT and inquiry.customer == Customer.objects.get()
        assert (inquiry.name, inquiry.email, inquiry.phone) == ("山本 太郎", "Taro@Example.jp", "090-1234-5678")
        assert inquiry.asked_for_email_consent and inquiry.touchpoint == Touchpoint.objects.get()
        assert inquiry.submitted_from_ip == "127.0.0.1" and inquiry.matched_by == ""

    def test_it_creates_a_company_prospect_with_the_person_as_contact(self, submit):
        response = submit(company="株式会社ミライ", consent="")
        assert response["Location"] == THANKS
        customer = Customer.objects.get()
        assert (customer.kind, customer.name, customer.has_email_consent) == ("company", "株式会社ミライ", False)
        assert Contact.objects.get(customer=customer).name == "山本 太郎"

    def test_it_mails_a_confirmation_link_only_when_consent_was_ticked(self, submit):
        submit(consent="")
        assert mail.outbox == []
        submit(email="hanako@example.jp", phone="")
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hanako@example.jp"]


@pytest.mark.parametrize(
    ("record", "sent", "matched_by"),
    [
        ({"email": "taro@example.jp"}, {"phone": ""}, "email"),
        ({"phone": "０９０（１２３４）５６７８"}, {"email": "other@example.jp"}, "phone"),
        ({"mobile": "090-1234-5678"}, {"email": "other@example.jp"}, "phone"),
    ],
)
def test_a_known_customers_inquiry_waits_unverified_without_a_touchpoint(submit, db, record, sent, matched_by):
    known = Customer.objects.create(code="C0001", name="既存商事", **record)
    submit(**sent)
    assert Customer.objects.count() == 1 and not Touchpoint.objects.exists()
    inquiry = Inquiry.objects.get()
    assert (inquiry.customer, inquiry.state, inquiry.matched_by) == (known, Inquiry.State.UNVERIFIED, matched_by)
    assert inquiry.message == "見積をお願いします" and inquiry.touchpoint is None


@pytest.mark.parametrize(("contact", "matched_by"), [({"email": "TARO@example.jp"}, "contact_email"),
                                                    ({"phone": "09012345678"}, "contact_phone")])  # fmt: skip
def test_a_contacts_match_is_unverified_on_the_contacts_customer(submit, db, contact, matched_by):
    known = Customer.objects.create(code="C0001", name="既存商事")
    Contact.objects.create(customer=known, name="山本", **contact)
    submit(email="taro@example.jp" if "email" in contact else "other@example.jp")
    inquiry = Inquiry.objects.get()
    assert (inquiry.customer, inquiry.state, inquiry.matched_by) == (known, "unverified", matched_by)
    assert Customer.objects.count() == 1 and not Touchpoint.objects.exists()


class TestNoChangeToAKnownCustomer:
    """The security finding: a form anyone can fill in must not switch a customer's withdrawn consent back on."""

    def test_it_does_not_overwrite_an_opt_out_with_the_customers_email(self, submit, opted_out):
        before = snapshot(opted_out)
        submit(message="全注文をキャンセルしてください", phone="")
        assert snapshot(opted_out) == before
        opted_out.refresh_from_db()
        assert not opted_out.has_email_consent and opted_out.email_consent_method == "電話で配信停止の申し出"

    def test_it_does_not_overwrite_an_opt_out_with_only_the_phone_number(self, submit, opted_out):
        before = snapshot(opted_out)
        submit(email="attacker@example.net", phone="0311112222")
        assert snapshot(opted_out) == before
        assert Inquiry.objects.get().matched_by == "phone"

    def test_it_adds_no_touchpoint_and_no_history_to_the_customer(self, submit, opted_out):
        history = opted_out.history.count()
        submit(message="全注文をキャンセルしてください")
        assert not Touchpoint.objects.filter(customer=opted_out).exists()
        assert opted_out.history.count() == history

    def test_it_fills_no_blank_field_of_the_customer(self, submit, db):
        known = Customer.objects.create(code="C0001", name="既存商事", email="taro@example.jp")
        before = snapshot(known)
        submit(company="別会社", phone="090-9999-0000")
        assert snapshot(known) == before and Contact.objects.count() == 0

    def test_it_sends_the_known_address_no_mail(self, submit, opted_out):
        submit()
        assert mail.outbox == []


def test_the_thanks_page_is_the_same_whether_the_sender_is_known_or_not(client, submit, opted_out):
    known = submit()
    unknown = submit(email="new@example.jp", phone="")
    assert known["Location"] == unknown["Location"] == THANKS + "?consent=1"
    page = client.get(known["Location"]).content.decode()
    assert 'data-testid="inquiry-thanks"' in page and 'data-testid="inquiry-check-mailbox"' in page
    assert 'data-testid="inquiry-check-mailbox"' not in client.get(THANKS).content.decode()


def test_it_reports_invalid_input(client, db):
    response = client.post(URL, post_data(email="no-at-sign", phone="不明"))
    assert response.status_code == 200
    assert {"email", "phone"} <= set(response.context["form"].errors)
    assert not Customer.objects.exists() and not Inquiry.objects.exists()


def test_it_silently_drops_a_filled_honeypot(client, db):
    response = client.post(URL, post_data(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"].startswith(THANKS)
    assert not Customer.objects.exists() and not Touchpoint.objects.exists() and not Inquiry.objects.exists()


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
