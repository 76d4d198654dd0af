"""Delivery pages: the hot-lead list and its one-click phone task, the step's delivery page, the open pixel, and
the bounce webhook receiver (django-anymail's tracking signal)."""
from types import SimpleNamespace

import pytest
from django.utils import timezone

from campaigns.channels import channel_handler
from campaigns.delivery import tracking
from campaigns.delivery.bounces import anymail_tracking_received
from campaigns.models import EmailClick, EmailSuppression, OutboxMessage
from campaigns.tests.delivery_support import executions, launched_step
from campaigns.tests.support import customer

pytestmark = pytest.mark.django_db


def clicked(rep):
    obj = customer(name="株式会社クリック", email="click@example.jp", assigned_rep=rep)
    step = launched_step(customers=[obj], body="https://shop.example.jp/")
    channel_handler("email")(step=step, executions=executions(step), now=timezone.now())
    message = OutboxMessage.objects.get()
    message.links, message.state = ["https://shop.example.jp/"], "sent"
    message.save()
    tracking.click_record(token=tracking.click_token(message.pk, 0))
    return obj, step


def test_a_rep_sees_his_hot_lead_and_creates_a_phone_task_in_one_click(rep, client_for):
    from visits.models import VisitTask

    obj, _step = clicked(rep)
    client = client_for(rep)
    response = client.get("/campaigns/delivery/hot-leads/")
    assert response.status_code == 200 and "株式会社クリック" in response.content.decode()
    response = client.post("/campaigns/delivery/hot-leads/", {"customer": obj.pk})
    assert response.status_code == 302
    task = VisitTask.objects.get(customer=obj)
    assert (task.kind, task.assigned_to, task.state, task.source) == ("phone", rep, "open", "campaign")
    client.post("/campaigns/delivery/hot-leads/", {"customer": obj.pk})
    assert VisitTask.objects.filter(customer=obj).count() == 1  # the open task is reused


def test_another_reps_customer_is_listed_but_not_given_a_task_by_him(rep, other_rep, client_for):
    obj, _step = clicked(rep)
    client = client_for(other_rep)
    assert "株式会社クリック" in client.get("/campaigns/delivery/hot-leads/?all=1").content.decode()
    assert client.post("/campaigns/delivery/hot-leads/", {"customer": obj.pk}).status_code == 403


def test_the_step_page_is_for_the_office(rep, manager, client_for):
    _obj, step = clicked(rep)
    assert client_for(manager).get(f"/campaigns/delivery/steps/{step.pk}/").status_code == 200
    assert client_for(rep).get(f"/campaigns/delivery/steps/{step.pk}/").status_code == 403


def test_the_open_pixel_records_the_first_open(client, rep):
    clicked(rep)
    message = OutboxMessage.objects.get()
    response = client.get(f"/campaigns/delivery/o/{tracking.open_token(message.pk)}/")
    assert response["Content-Type"] == "image/gif"
    message.refresh_from_db()
    assert message.opened_at is not None
    assert EmailClick.objects.count() == 1


def test_an_esp_bounce_or_complaint_suppresses_the_address():
    for kind, address in (("bounced", "A@example.jp"), ("complained", "b@example.jp"), ("deferred", "c@example.jp")):
        anymail_tracking_received(None, event=SimpleNamespace(event_type=kind, recipient=address), esp_name="SES")
    assert dict(EmailSuppression.objects.values_list("email_key", "reason")) == {
        "a@example.jp": "bounce", "b@example.jp": "complaint"}


def test_the_bounce_mailbox_command_suppresses_hard_bounces_only(tmp_path):
    from django.core.management import call_command

    def dsn(address, status):
        return (f"From: MAILER-DAEMON@example.jp\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
                f"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
                f"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.jp\r\n\r\n"
                f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: {status}\r\n\r\n--B--\r\n").encode()

    (tmp_path / "1.eml").write_bytes(dsn("gone@example.jp", "5.1.1"))
    (tmp_path / "2.eml").write_bytes(dsn("full@example.jp", "4.2.2"))
    call_command("delivery_bounces", str(tmp_path))
    assert list(EmailSuppression.objects.values_list("email_key", flat=True)) == ["gone@example.jp"]
