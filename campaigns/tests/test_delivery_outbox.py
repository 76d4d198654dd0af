"""The outbox's exactly-once sending: a worker killed mid-batch, then a rerun, delivers each message once;
transient server errors go back to the queue; two claims never take the same row; the rate limit holds."""
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.channels import channel_handler
from campaigns.delivery import conf, outbox
from campaigns.models import CampaignContact, OutboxMessage
from campaigns.tests import delivery_support
from campaigns.tests.delivery_support import (
    CrashingBackend,
    WorkerKilled,
    executions,
    launched_step,
    make_customers,
)

pytestmark = pytest.mark.django_db
smtp_server = delivery_support.smtp_server  # the fixture


def queued_step(count, body="ご案内 https://shop.example.jp/"):
    customers = make_customers(count)
    step = launched_step(customers=customers, body=body)
    channel_handler("email")(step=step, executions=executions(step), now=timezone.now())
    return step, customers


def after_the_lease():
    return timezone.now() + timedelta(seconds=conf.lease_seconds() + 1)


@pytest.mark.parametrize("mode", ["before", "mid_data"])
def test_a_worker_killed_mid_batch_then_rerun_delivers_each_message_exactly_once(smtp_server, settings, mode):
    step, customers = queued_step(10)
    settings.EMAIL_BACKEND = "campaigns.tests.delivery_support.CrashingBackend"
    CrashingBackend.crash_at, CrashingBackend.mode, CrashingBackend.sent = 5, mode, 0
    with pytest.raises(WorkerKilled):
        outbox.outbox_send_batch(limit=10)
    assert len(smtp_server.messages) == 4  # the fifth never completed
    states = Counter(OutboxMessage.objects.values_list("state", flat=True))
    assert states == {"sent": 4, "sending": 6}
    # A rerun before the lease runs out leaves the dead worker's rows alone (it might still be alive)…
    assert outbox.outbox_send_batch()["claimed"] == 0
    # …and after it, takes them.
    CrashingBackend.crash_at = None
    counts = outbox.outbox_send_batch(now=after_the_lease())
    assert counts["sent"] == 6
    received = Counter(str(message["To"]) for message in smtp_server.messages)
    assert received == Counter(obj.email for obj in customers)  # every customer exactly once
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}
    assert CampaignContact.objects.filter(step=step).count() == 10
    # The message ids are those of the rows: a copy would carry the same one.
    assert len({str(message["Message-ID"]).strip() for message in smtp_server.messages}) == 10


def test_a_transient_server_error_puts_the_rest_back_and_the_retry_sends_them(smtp_server):
    _step, customers = queued_step(5)
    smtp_server.fail_once.add(customers[2].email)
    with pytest.raises(outbox.TransientSendError):
        outbox.outbox_send_batch()
    states = dict(OutboxMessage.objects.values_list("customer_id", "state"))
    assert [states[obj.pk] for obj in customers] == ["sent", "sent", "queued", "queued", "queued"]
    assert OutboxMessage.objects.get(customer=customers[3]).attempts == 0  # never tried
    outbox.outbox_send_batch()
    assert Counter(str(message["To"]) for message in smtp_server.messages) == Counter(o.email for o in customers)


def test_a_permanent_refusal_fails_that_row_only(smtp_server):
    _step, customers = queued_step(3)
    smtp_server.refuse.add(customers[1].email)
    counts = outbox.outbox_send_batch()
    assert counts["sent"] == 2 and counts["failed"] == 1
    assert OutboxMessage.objects.get(customer=customers[1]).state == "failed"


@pytest.mark.postgres
def test_two_claims_never_take_the_same_row(smtp_server):
    queued_step(6)
    now = timezone.now()
    first = outbox.outbox_claim(limit=4, now=now)
    second = outbox.outbox_claim(limit=4, now=now)
    taken_first = set(OutboxMessage.objects.filter(claim_token=first).values_list("pk", flat=True))
    taken_second = set(OutboxMessage.objects.filter(claim_token=second).values_list("pk", flat=True))
    assert len(taken_first) == 4 and len(taken_second) == 2 and not taken_first & taken_second


def test_the_rate_limit_spaces_the_messages(smtp_server, settings):
    queued_step(6)
    settings.MEZAME_EMAIL_RATE_PER_SECOND = 25
    started = time.monotonic()
    outbox.outbox_send_batch()
    assert time.monotonic() - started >= 5 / 25 * 0.9
    assert len(smtp_server.messages) == 6


def test_the_task_sends_everything_queued(smtp_server, settings):
    from campaigns.delivery import tasks

    settings.MEZAME_EMAIL_BATCH_SIZE = 3
    queued_step(7)
    tasks.outbox_send.apply()
    assert len(smtp_server.messages) == 7
