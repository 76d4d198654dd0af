"""Double opt-in of the inquiry form: a new prospect's e-mail consent is recorded only from the confirmation link
mailed to the address, never when the link was tampered with or has expired, and never over a later withdrawal."""
import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from customers import services
from customers.inquiry import consent
from customers.models import Customer, Inquiry

NOW = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _eager_tasks():
    from config.celery import app

    previous, app.conf.task_always_eager = app.conf.task_always_eager, True  # no worker here, even with Redis
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def submitted(client, db, traveller, django_capture_on_commit_callbacks):
    """A new sender who ticked consent: (inquiry, the link path from the mail)."""
    data = {"name": "山本 太郎", "company": "", "email": "Taro@Example.jp", "phone": "", "message": "資料をください",
            "consent": "on", "website": ""}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/inquiry/", data).status_code == 302
    assert len(mail.outbox) == 1
    return Inquiry.objects.get(), link_in(mail.outbox[0].body)


def link_in(text):
    match = re.search(r"https?://testserver(/inquiry/confirm/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


def prospect(inquiry):
    return Customer.objects.get(pk=inquiry.customer_id)


class TestTheMail:
    def test_it_goes_to_the_address_with_the_link_in_text_and_html(self, submitted):
        _inquiry, path = submitted
        message = mail.outbox[0]
        assert message.to == ["Taro@Example.jp"] and message.subject.strip()
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and f"http://testserver{path}" in html

    def test_it_carries_nothing_the_sender_typed(self, submitted):
        # Otherwise the form would let anyone mail their own text to any address.
        message = mail.outbox[0]
        for typed in ("山本", "資料をください"):
            assert typed not in message.body and typed not in message.alternatives[0][0]

    def test_it_is_written_in_the_senders_language(self, client, db, django_capture_on_commit_callbacks):
        client.cookies["django_language"] = "en"
        data = {"name": "Jo", "email": "jo@example.jp", "message": "hi", "consent": "on"}
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/inquiry/", data, HTTP_ACCEPT_LANGUAGE="en")
        assert mail.outbox[0].subject == "Please confirm that you want to receive our e-mails"


class TestConfirming:
    def test_consent_stays_off_until_the_link_is_confirmed(self, client, submitted):
        inquiry, path = submitted
        assert not prospect(inquiry).has_email_consent
        response = client.get(path)
        assert response.status_code == 200 and 'data-testid="consent-confirm-button"' in response.content.decode()
        assert not prospect(inquiry).has_email_consent  # opening the link (or a mail scanner doing so) is not consent

    def test_pressing_the_button_records_consent_with_time_method_and_reason(self, client, submitted, traveller):
        inquiry, path = submitted
        traveller.shift(dt.timedelta(hours=3))
        response = client.post(path)
        assert response.status_code == 200 and 'data-state="confirmed"' in response.content.decode()
        customer = prospect(inquiry)
        assert customer.has_email_consent and customer.email_consent_changed_at == NOW + dt.timedelta(hours=3)
        with translation.override("ja"):  # stored in the company's language (ダブルオプトイン確認 (Webフォーム))
            assert customer.email_consent_method == gettext("Double opt-in confirmation (web form)")
            reason = gettext("E-mail consent confirmed by the address's owner (double opt-in)")
        record = customer.history.first()
        assert record.has_email_consent and record.history_user is None and record.history_change_reason == reason
        assert Inquiry.objects.get().consent_confirmed_at == NOW + dt.timedelta(hours=3)

    def test_confirming_twice_changes_nothing_more(self, client, submitted, traveller):
        inquiry, path = submitted
        client.post(path)
        first = prospect(inquiry)
        traveller.shift(dt.timedelta(days=1))
        again = client.post(path)
        assert again.status_code == 200 and 'data-state="already"' in again.content.decode()
        assert prospect(inquiry).email_consent_changed_at == first.email_consent_changed_at
        assert prospect(inquiry).history.count() == first.history.count()

    def test_the_button_is_csrf_protected(self, submitted):
        inquiry, path = submitted
        assert Client(enforce_csrf_checks=True).post(path).status_code == 403
        assert not prospect(inquiry).has_email_consent

    def test_it_still_works_on_the_last_valid_day(self, client, submitted, traveller):
        inquiry, path = submitted
        traveller.shift(dt.timedelta(days=7) - dt.timedelta(minutes=1))
        assert client.post(path).status_code == 200 and prospect(inquiry).has_email_consent


class TestRefusedLinks:
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_tampered_token_is_refused_and_changes_nothing(self, client, submitted, method):
        inquiry, path = submitted
        token = path.split("/")[-2]
        tampered = path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
        response = getattr(client, method)(tampered)
        assert response.status_code == 400 and 'data-testid="consent-link-invalid"' in response.content.decode()
        assert not prospect(inquiry).has_email_consent

    def test_an_expired_token_is_refused_and_changes_nothing(self, client, submitted, traveller, english):
        inquiry, path = submitted
        traveller.shift(dt.timedelta(days=7, minutes=1))
        response = client.post(path)
        assert response.status_code == 400 and "expired" in response.content.decode()
        assert not prospect(inquiry).has_email_consent and Inquiry.objects.get().consent_confirmed_at is None

    def test_the_validity_follows_the_setting(self, client, submitted, traveller, settings):
        inquiry, path = submitted
        settings.MEZAME_INQUIRY_CONFIRM_DAYS = 2
        traveller.shift(dt.timedelta(days=3))
        assert client.post(path).status_code == 400 and not prospect(inquiry).has_email_consent

    def test_a_token_signed_with_another_salt_is_refused(self, client, submitted):
        inquiry, _path = submitted
        token = signing.dumps({"inquiry": inquiry.pk, "email": "taro@example.jp"})  # default salt
        assert client.post(reverse("inquiry:confirm", args=[token])).status_code == 400
        assert not prospect(inquiry).has_email_consent

    def test_a_validly_signed_token_cannot_confirm_an_inquiry_about_a_known_customer(self, client, db):
        # Only the prospect an inquiry created may get consent this way, never a customer it merely matched.
        known = Customer.objects.create(code="C0001", name="既存商事", email="taro@example.jp")
        inquiry = Inquiry.objects.create(name="x", email="taro@example.jp", message="m", customer=known,
                                         state=Inquiry.State.UNVERIFIED, asked_for_email_consent=True)  # fmt: skip
        response = client.post(reverse("inquiry:confirm", args=[consent.inquiry_consent_token(inquiry)]))
        assert response.status_code == 400
        known.refresh_from_db()
        assert not known.has_email_consent


class TestWithdrawalsWin:
    """A withdrawal recorded by staff after the inquiry is never undone by the old link."""

    def test_a_withdrawal_noted_by_staff_is_not_undone(self, client, submitted, maintainer, traveller):
        inquiry, path = submitted
        traveller.shift(dt.timedelta(days=1))
        customer = prospect(inquiry)
        customer.email_consent_method = "電話で配信停止の申し出"  # the box stays unticked: no flag changes
        services.customer_update(customer=customer, by=maintainer)
        traveller.shift(dt.timedelta(days=1))
        assert client.get(path).status_code == 409
        response = client.post(path)
        assert response.status_code == 409 and 'data-state="not_applicable"' in response.content.decode()
        customer = prospect(inquiry)
        assert not customer.has_email_consent and customer.email_consent_method == "電話で配信停止の申し出"

    def test_consent_given_then_withdrawn_by_staff_is_not_switched_back_on(self, client, submitted, maintainer, traveller):
        inquiry, path = submitted
        customer = prospect(inquiry)
        for flag, method in ((True, "展示会で口頭同意"), (False, "電話で配信停止")):
            traveller.shift(dt.timedelta(hours=1))
            customer.has_email_consent, customer.email_consent_method = flag, method
            services.customer_update(customer=customer, by=maintainer)
        assert client.post(path).status_code == 409
        assert not prospect(inquiry).has_email_consent

    def test_a_withdrawal_without_any_stamp_is_found_in_the_history(self, client, submitted):
        # e.g. an import that switched the flag on and then off again without touching the timestamp
        inquiry, path = submitted
        for flag in (True, False):
            customer = prospect(inquiry)
            customer.has_email_consent = flag
            customer.save(update_fields=["has_email_consent"])
        assert client.post(path).status_code == 409 and not prospect(inquiry).has_email_consent

    def test_a_changed_address_is_not_confirmed_by_the_old_link(self, client, submitted, maintainer):
        inquiry, path = submitted
        customer = prospect(inquiry)
        customer.email = "someone-else@example.jp"
        services.customer_update(customer=customer, by=maintainer)
        assert client.post(path).status_code == 409 and not prospect(inquiry).has_email_consent

    def test_a_merged_away_prospect_is_not_confirmed(self, client, submitted):
        inquiry, path = submitted
        survivor = Customer.objects.create(code="C0009", name="本体", email="taro@example.jp")
        Customer.objects.filter(pk=inquiry.customer_id).update(merged_into=survivor)
        assert client.post(path).status_code == 409
        assert not prospect(inquiry).has_email_consent and not Customer.objects.get(pk=survivor.pk).has_email_consent


def test_the_service_refuses_to_run_past_a_withdrawal_even_when_called_directly(submitted):
    inquiry, _path = submitted
    Customer.objects.filter(pk=inquiry.customer_id).update(
        email_consent_changed_at=timezone.now(), email_consent_method="電話で配信停止"
    )
    assert consent.inquiry_consent_confirm(inquiry=inquiry) == consent.LinkState.NOT_APPLICABLE
    assert not prospect(inquiry).has_email_consent
