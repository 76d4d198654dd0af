"""E-mail delivery through a real SMTP server on loopback: both parts, the legal footer, the RFC 8058 headers,
working signed links (unsubscribe without a session, click redirect only to the message's own URLs)."""
import pytest
from django.test import Client

from campaigns.channels import channel_handler
from campaigns.delivery import outbox, tracking
from campaigns.models import CampaignContact, EmailClick, EmailSuppression, OutboxMessage
from campaigns.tests import delivery_support
from campaigns.tests.delivery_support import (
    executions,
    header,
    launched_step,
    links_in,
    make_customers,
    parts_of,
    path_of,
)
from customers.models import Contact, Touchpoint

pytestmark = pytest.mark.django_db
smtp_server = delivery_support.smtp_server  # the fixture

BODY = ("{{ reason_paragraph }}\n\n前回ご購入の「{{ last_product }}」はいかがでしょうか。\n"
        "新製品のご案内: https://shop.example.jp/new?from=mail\n\n担当 {{ rep_name }}")


def queue(step, now=None):
    from django.utils import timezone

    return channel_handler("email")(step=step, executions=executions(step), now=now or timezone.now())


def test_a_message_arrives_with_both_parts_the_footer_and_the_one_click_headers(smtp_server, rep):
    (cust,) = make_customers(1, assigned_rep=rep)
    Contact.objects.create(customer=cust, name="山田 太郎", title="部長", department="購買部")
    step = launched_step(customers=[cust], subject="{{ company }}様へ 春のご案内", body=BODY)
    assert queue(step) == 1
    counts = outbox.outbox_send_batch()
    assert counts["sent"] == 1
    (message,) = smtp_server.messages
    assert message["Subject"].strip() == "株式会社テスト000様へ 春のご案内"  # folded by Python after "Subject:"
    assert message["To"] == "c000@example.jp"
    text, html = parts_of(message)
    for part in (text, html):
        assert "株式会社テスト000 購買部 部長 山田 太郎 様" in part
        assert "佐藤 営業" in part  # the rep's name
        assert "Mezame株式会社" in part and "東京都千代田区" in part  # the sender information
    unsubscribe_header = header(message, "List-Unsubscribe")
    assert unsubscribe_header.startswith("<http://testserver/campaigns/delivery/u/")
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    row = OutboxMessage.objects.get()
    assert header(message, "Message-ID") == row.message_id
    assert row.state == "sent" and row.links == ["https://shop.example.jp/new?from=mail"]
    # The link is rewritten in both parts; the unsubscribe link of the page is in both too.
    assert "https://shop.example.jp/new" not in text.replace(">https://shop.example.jp/new", "")
    assert unsubscribe_header.strip("<>") in text and unsubscribe_header.strip("<>") in html
    # The contact is recorded once, with its touchpoint.
    assert CampaignContact.objects.filter(step=step, customer=cust).count() == 1
    assert Touchpoint.objects.filter(customer=cust, channel="email").count() == 1
    assert executions(step).get().state == "contacted"


def test_a_rerun_of_the_handler_and_the_sender_sends_nothing_twice(smtp_server):
    customers = make_customers(3)
    step = launched_step(customers=customers, body="こんにちは")
    queue(step)
    outbox.outbox_send_batch()
    for execution in executions(step):
        execution.state = "due"
        execution.save()
    assert queue(step) == 3  # handed over again, but no second outbox row
    assert OutboxMessage.objects.count() == 3
    outbox.outbox_send_batch()
    assert len(smtp_server.messages) == 3


def test_the_one_click_unsubscribe_post_works_without_a_session_or_csrf_token(smtp_server):
    (cust,) = make_customers(1)
    step = launched_step(customers=[cust], body="ご案内")
    queue(step)
    outbox.outbox_send_batch()
    (message,) = smtp_server.messages
    url = header(message, "List-Unsubscribe").strip("<>")
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    cust.refresh_from_db()
    assert cust.has_email_consent is False
    assert cust.email_consent_changed_at is not None
    assert "ワンクリック" in cust.email_consent_method or "one-click" in cust.email_consent_method
    assert EmailSuppression.objects.filter(email_key="c000@example.jp", reason="unsubscribe").exists()
    assert cust.history.first().history_change_reason


def test_the_page_link_shows_a_button_and_the_post_unsubscribes(smtp_server):
    (cust,) = make_customers(1)
    step = launched_step(customers=[cust], body="ご案内")
    queue(step)
    outbox.outbox_send_batch()
    text, _html = parts_of(smtp_server.messages[0])
    url = next(link for link in links_in(text) if "/delivery/u/" in link)
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.get(path_of(url)).status_code == 200
    cust.refresh_from_db()
    assert cust.has_email_consent is True  # a GET (a mail scanner) changes nothing
    response = anonymous.post(path_of(url), {"confirm": "1"})
    assert response.status_code == 200
    cust.refresh_from_db()
    assert cust.has_email_consent is False


def test_a_tampered_unsubscribe_token_is_refused(smtp_server):
    customers = make_customers(2)
    step = launched_step(customers=customers, body="ご案内")
    queue(step)
    outbox.outbox_send_batch()
    url = header(smtp_server.messages[0], "List-Unsubscribe").strip("<>")
    token = path_of(url).rstrip("/").rsplit("/", 1)[1]
    message_id, signature = token.split(":", 1)
    other = OutboxMessage.objects.exclude(pk=int(message_id)).get()
    for forged in (f"{other.pk}:{signature}", f"{message_id}:{signature[:-1]}x", "1"):
        response = Client().post(f"/campaigns/delivery/u/{forged}/", {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
    assert all(obj.has_email_consent for obj in [c.__class__.objects.get(pk=c.pk) for c in customers])


def test_a_click_is_recorded_and_redirected_only_to_the_messages_own_url(smtp_server):
    (cust,) = make_customers(1)
    step = launched_step(customers=[cust], body=BODY)
    queue(step)
    outbox.outbox_send_batch()
    text, html = parts_of(smtp_server.messages[0])
    click_url = next(link for link in links_in(text) if "/delivery/c/" in link)
    assert click_url in html
    response = Client().get(path_of(click_url))
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.jp/new?from=mail"
    click = EmailClick.objects.get()
    assert (click.customer, click.step, click.campaign_id, click.url) == (
        cust, step, step.campaign_id, "https://shop.example.jp/new?from=mail")
    # A foreign URL cannot be smuggled in: not by a query, not by another index, not by a forged token.
    row = OutboxMessage.objects.get()
    assert Client().get(path_of(click_url) + "?url=https://evil.example/").headers["Location"] == (
        "https://shop.example.jp/new?from=mail")
    assert Client().get(f"/campaigns/delivery/c/{tracking.click_token(row.pk, 5)}/").status_code == 400
    forged = tracking._sign("other-salt", f"{row.pk}.0")
    assert Client().get(f"/campaigns/delivery/c/{forged}/").status_code == 400
    assert Client().get("/campaigns/delivery/c/https:%2F%2Fevil.example/").status_code in (400, 404)
    assert EmailClick.objects.count() == 2


def test_consent_withdrawn_and_suppression_are_checked_at_send_time(smtp_server):
    customers = make_customers(4)
    step = launched_step(customers=customers, body="ご案内")
    queue(step)
    withdrawn, suppressed, retired, fine = customers
    withdrawn.has_email_consent = False
    withdrawn.save()
    EmailSuppression.objects.create(email_key=suppressed.email_key, reason="bounce")
    retired.lifecycle = "retired"
    retired.save()
    counts = outbox.outbox_send_batch()
    assert counts["sent"] == 1 and counts["suppressed"] == 3
    assert [m["To"] for m in smtp_server.messages] == [fine.email]
    states = dict(OutboxMessage.objects.values_list("customer_id", "state"))
    assert states == {withdrawn.pk: "suppressed", suppressed.pk: "suppressed", retired.pk: "suppressed",
                      fine.pk: "sent"}
    skipped = executions(step).filter(state="skipped").values_list("customer_id", flat=True)
    assert set(skipped) == {withdrawn.pk, suppressed.pk, retired.pk}
    assert not CampaignContact.objects.filter(customer__in=[withdrawn, suppressed, retired]).exists()


def test_a_bounce_suppresses_the_address(smtp_server):
    from campaigns.delivery.bounces import bounce_message_process

    customers = make_customers(2)
    step = launched_step(customers=customers, body="ご案内")
    queue(step)
    dsn = (
        b"From: MAILER-DAEMON@example.jp\r\nTo: noreply@mezame.example\r\nSubject: Undelivered\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.jp\r\n\r\n"
        b"Final-Recipient: rfc822; C000@Example.jp\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n")
    assert bounce_message_process(dsn) == ["C000@Example.jp"]
    assert EmailSuppression.objects.filter(email_key="c000@example.jp", reason="bounce").exists()
    outbox.outbox_send_batch()
    assert [m["To"] for m in smtp_server.messages] == ["c001@example.jp"]
