"""Steps: every campaign has its first step; a launch schedules it; a step's contacts are recorded once."""
import datetime

import pytest

from campaigns import channels, services
from campaigns.models import Campaign, CampaignContact, CampaignStep, CampaignTarget, StepExecution
from customers.models import Touchpoint

from .support import NOW, customer

pytestmark = pytest.mark.django_db
D = datetime.date
FIELDS = {"name": "秋の掘り起こし", "starts_on": D(2026, 5, 1), "ends_on": D(2026, 6, 30),
          "channel": Campaign.Channel.DM, "approach": Campaign.Approach.EVERYONE}


def test_a_new_campaign_gets_its_first_step_on_its_channel(manager):
    campaign = services.campaign_create(by=manager, **FIELDS)
    assert list(campaign.steps.values_list("position", "channel")) == [(1, "dm")]
    services.campaign_update(campaign=campaign, by=manager, channel=Campaign.Channel.EMAIL)
    assert list(campaign.steps.values_list("position", "channel")) == [(1, "email")]


def test_copying_to_next_year_copies_every_step(manager):
    campaign = services.campaign_create(by=manager, **FIELDS)
    CampaignStep.objects.create(campaign=campaign, position=2, channel="phone", wait_days=21,
                                condition=CampaignStep.Condition.NO_PURCHASE, is_key_accounts_only=True)
    copy = services.campaign_copy_to_next_year(campaign=campaign, by=manager)
    assert list(copy.steps.values_list("position", "channel", "wait_days", "condition", "is_key_accounts_only")) == [
        (1, "dm", 0, "always", False), (2, "phone", 21, "no_purchase", True)]


def test_the_launch_schedules_the_first_step_after_its_wait_and_never_for_the_control_group(manager):
    reached, held_back = customer(), customer()
    campaign = services.campaign_create(by=manager, **FIELDS)
    campaign.steps.filter(position=1).update(wait_days=3)
    services.campaign_launch(campaign=campaign, by=manager, now=NOW)
    CampaignTarget.objects.filter(customer=held_back).update(in_control_group=True, next_step_on=None)
    target = CampaignTarget.objects.get(customer=reached)
    assert (target.sequence_state, target.last_step_position, target.next_step_on) == ("active", 0, D(2026, 5, 4))
    assert target.enrolled_at == NOW  # the launch's time, not the clock's


def test_a_steps_contacts_are_recorded_once_with_a_touchpoint_each(manager):
    a, b = customer(), customer()
    campaign = services.campaign_launch(campaign=services.campaign_create(by=manager, **FIELDS), by=manager, now=NOW)
    step = campaign.steps.get()
    StepExecution.objects.bulk_create(
        StepExecution(step=step, campaign=campaign, target=t, customer_id=t.customer_id, due_on=t.due_on)
        for t in CampaignTarget.objects.filter(campaign=campaign))
    assert services.step_contacts_record(step=step, customer_ids=[a.pk, b.pk, a.pk], now=NOW) == 2
    assert services.step_contacts_record(step=step, customer_ids=[a.pk, b.pk], now=NOW) == 0  # a retry
    assert Touchpoint.objects.filter(channel="letter").count() == 2
    assert set(StepExecution.objects.values_list("state", flat=True)) == {"contacted"}
    assert CampaignContact.objects.filter(step=step).count() == 2
    assert set(CampaignTarget.objects.values_list("contacted_at", flat=True)) == {NOW}


def test_the_channel_registry_returns_the_registered_handler():
    def handler(*, step, executions, now):
        return 0

    channels.register_channel_handler("test-channel", handler)
    assert channels.channel_handler("test-channel") is handler
    assert channels.channel_handler("no-such-channel") is None


def test_a_campaign_finishes_after_its_period_once_no_step_is_left(manager):
    from campaigns.nightly import campaigns_finish

    customer()
    campaign = services.campaign_launch(campaign=services.campaign_create(by=manager, **FIELDS), by=manager, now=NOW)
    assert campaigns_finish(today=D(2026, 7, 1)) == 0  # a step is still waiting for its customer
    CampaignTarget.objects.update(sequence_state="completed", next_step_on=None)
    assert campaigns_finish(today=D(2026, 6, 30)) == 0  # the period's last day
    assert campaigns_finish(today=D(2026, 7, 1)) == 1
    campaign.refresh_from_db()
    assert campaign.state == "finished"
    assert campaigns_finish(today=D(2026, 7, 2)) == 0
