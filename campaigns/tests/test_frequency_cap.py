"""The frequency cap on the path contacts really take: launch → the nightly sequence engine → the channel (the
e-mail outbox, sent to the locmem backend) → the contact recorded. Pending contacts (an e-mail queued, a letter not
yet posted) hold their place, so two campaigns stepping on the same night cannot both take a customer's last one;
the property test runs random contact histories, caps and campaigns day by day and checks no window is exceeded."""
import datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import sequences, services
from campaigns.delivery import outbox
from campaigns.models import Campaign, CampaignContact, CampaignStep, ContactPolicy, OutboxMessage, StepExecution
from customers.models import Touchpoint

from . import delivery_support
from .support import NOW, TODAY, customer, touch

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
smtp_server = delivery_support.smtp_server  # the fixture


def _email_campaign(manager, name, *waits, now=NOW):
    """A launched e-mail campaign for everyone: step 1 on launch day, then one more e-mail after each wait."""
    campaign = services.campaign_create(by=manager, name=name, starts_on=TODAY, ends_on=TODAY + 120 * DAY,
                                        channel=Campaign.Channel.EMAIL, approach=Campaign.Approach.EVERYONE)
    CampaignStep.objects.filter(campaign=campaign).update(subject=name, body="ご案内です")
    for position, wait in enumerate(waits, start=2):
        CampaignStep.objects.create(campaign=campaign, position=position, channel="email", wait_days=wait,
                                    body="ご案内です")
    return services.campaign_launch(campaign=campaign, by=manager, now=now)


def _night(day_offset):
    """One night of the pipeline's sequence step and the outbox sent to the end, on day TODAY + day_offset."""
    moment = NOW + day_offset * DAY
    with time_machine.travel(moment, tick=False):
        sequences.sequences_advance(today=TODAY + day_offset * DAY, now=moment)
        while outbox.outbox_send_batch(now=moment)["claimed"]:
            pass


def _email_times(customer_id):
    return sorted(Touchpoint.objects.filter(customer_id=customer_id, channel="email")
                  .values_list("occurred_at", flat=True))


def test_a_sent_email_is_a_touchpoint_on_the_shared_history_linked_to_the_step(manager, mailoutbox):
    reached = customer(email="reached@example.jp")
    campaign = _email_campaign(manager, "春の休眠掘り起こし")
    _night(0)
    assert [m.to for m in mailoutbox] == [["reached@example.jp"]]
    contact = CampaignContact.objects.get()
    assert (contact.campaign_id, contact.customer_id, contact.touchpoint.channel) == (campaign.pk, reached.pk, "email")
    assert "春の休眠掘り起こし" in contact.touchpoint.summary
    _night(0)
    assert len(mailoutbox) == 1 and CampaignContact.objects.count() == 1  # a second run sends nothing more


def test_a_customer_who_reached_the_cap_after_the_launch_is_skipped_when_the_step_comes(manager, mailoutbox):
    c = customer()
    _email_campaign(manager, "春")
    touch(c, "email", 1)
    touch(c, "email", 2)
    _night(0)
    assert mailoutbox == []
    assert list(StepExecution.objects.values_list("state", "skip_reason")) == [("skipped", "frequency_cap")]


def test_two_campaigns_on_the_same_night_share_the_last_place_under_the_cap(manager, mailoutbox):
    """One e-mail this month already; the cap is 2 per 30 days: of two campaigns stepping tonight, one gets it."""
    c = customer()
    touch(c, "email", 5)
    _email_campaign(manager, "一つ目")
    _email_campaign(manager, "二つ目")
    _night(0)
    assert len(mailoutbox) == 1
    states = sorted(StepExecution.objects.values_list("state", "skip_reason"))
    assert states == [("contacted", ""), ("skipped", "frequency_cap")]
    assert len(_email_times(c.pk)) == 2


def test_a_queued_email_holds_its_place_until_sent_and_a_refused_one_gives_it_back(manager, smtp_server):
    c = customer(email="refused@example.jp")
    touch(c, "email", 5)
    _email_campaign(manager, "一つ目")
    with time_machine.travel(NOW, tick=False):
        sequences.sequences_advance(today=TODAY, now=NOW)  # queued, not sent yet
    assert OutboxMessage.objects.get().state == "queued"
    second = _email_campaign(manager, "二つ目")  # launched while the first e-mail waits: the place is taken
    assert second.launch_counts["excluded"] == {"frequency_cap": 1} and second.launch_counts["targets"] == 0
    # The server refuses the first message for good: its execution is skipped and no longer holds the place.
    smtp_server.refuse.add("refused@example.jp")
    assert outbox.outbox_send_batch(now=NOW)["failed"] == 1
    assert StepExecution.objects.filter(skip_reason=outbox.FAILED_SKIP_REASON).count() == 1
    smtp_server.refuse.clear()
    _email_campaign(manager, "三つ目")
    _night(0)
    assert [str(m["To"]) for m in smtp_server.messages] == ["refused@example.jp"]
    assert len(_email_times(c.pk)) == 2


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(histories=st.lists(st.lists(st.integers(min_value=0, max_value=200), max_size=8), min_size=1, max_size=4),
       caps=st.tuples(st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=6)),
       campaign_waits=st.lists(st.lists(st.integers(min_value=0, max_value=20), max_size=3), min_size=1, max_size=3),
       launch_days=st.lists(st.integers(min_value=0, max_value=10), min_size=3, max_size=3))
def test_the_cap_is_never_exceeded_whatever_the_history_and_the_campaigns(manager, histories, caps, campaign_waits,
                                                                          launch_days):
    """Random earlier contacts, caps and campaigns (1–4 e-mails each, launched on random days), run night by
    night: at every contact a campaign made, the 30- and 180-day windows ending there hold no more contacts
    than the caps — and a step skips a customer for the cap only when the customer is at the cap."""
    for model in (OutboxMessage, CampaignContact, StepExecution, Campaign, Touchpoint):
        model.objects.all().delete()
    cap_30, cap_180 = min(caps), max(caps)
    ContactPolicy.objects.update_or_create(pk=1, defaults={"max_contacts_30d": cap_30, "max_contacts_180d": cap_180})
    people = []
    for days_list in histories:
        c = customer()
        for days_ago in days_list:
            touch(c, "email", days_ago + 0.5)
        people.append(c)
    launches = {}
    for index, waits in enumerate(campaign_waits):
        launches.setdefault(launch_days[index], []).append(waits)
    # The nights something falls due (a launch, a step after its wait): the nights between change nothing.
    nights = set(launches)
    for day, waits_list in launches.items():
        for waits in waits_list:
            nights.update(day + sum(waits[:n]) for n in range(1, len(waits) + 1))
    for day in sorted(nights):
        for waits in launches.get(day, []):
            with time_machine.travel(NOW + day * DAY, tick=False):
                _email_campaign(manager, f"キャンペーン{day}", *waits, now=NOW + day * DAY)
        _night(day)
    made = CampaignContact.objects.values_list("customer_id", "touchpoint__occurred_at")
    assert made, "no campaign reached anybody"
    for customer_id, at in made:
        times = _email_times(customer_id)
        assert sum(at - datetime.timedelta(days=30) < t <= at for t in times) <= cap_30
        assert sum(at - datetime.timedelta(days=180) < t <= at for t in times) <= cap_180
    # Skipped for the cap only when at the cap: nobody is held back without reason.
    for execution in StepExecution.objects.filter(skip_reason="frequency_cap"):
        at = NOW + (execution.due_on - TODAY).days * DAY
        times = _email_times(execution.customer_id)
        pending = StepExecution.objects.filter(customer_id=execution.customer_id, due_on=execution.due_on,
                                               state="contacted").exclude(pk=execution.pk).count()
        in_30 = sum(at - datetime.timedelta(days=30) < t <= at for t in times)
        in_180 = sum(at - datetime.timedelta(days=180) < t <= at for t in times)
        assert in_30 >= cap_30 or in_180 >= cap_180 or pending, (execution, times)
