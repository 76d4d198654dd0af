"""The sequence engine: steps advance with their waits, conditions and capacity; customers leave on purchase,
opt-out, retirement; every (customer, step) happens once however often it runs."""
import datetime

import pytest
from django.utils import timezone

from campaigns import channels, sequences, services
from campaigns.models import Campaign, CampaignStep, CampaignTarget, EmailClick, OutboxMessage, StepExecution
from crm.choices import DormancyStatus
from crm.dormancy.models import CustomerDormancy
from customers.models import Customer, Purchase

from .support import NOW, TODAY, customer, touch

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = datetime.timedelta(days=1)


def _sequence(manager, *steps, channel="email"):
    """A launched campaign whose targets are due today with the given further steps (position 2…)."""
    campaign = services.campaign_create(by=manager, name="掘り起こし", starts_on=TODAY, ends_on=TODAY + 90 * DAY,
                                        channel=channel, approach=Campaign.Approach.EVERYONE)
    for position, fields in enumerate(steps, start=2):
        CampaignStep.objects.create(campaign=campaign, position=position, **fields)
    return _launch(campaign, manager)


def _launch(campaign, manager):
    launched = services.campaign_launch(campaign=campaign, by=manager, now=NOW)
    # The launch stamps enrolment with the wall clock; these tests live on NOW.
    CampaignTarget.objects.filter(campaign=launched).update(enrolled_at=NOW)
    return launched


def _run(day=TODAY):
    return sequences.sequences_advance(today=day, now=timezone.make_aware(datetime.datetime.combine(day, NOW.time())))


def _target(c):
    return CampaignTarget.objects.get(customer=c)


def _executions(c):
    return list(StepExecution.objects.filter(customer=c).order_by("step__position")
                .values_list("step__position", "state", "skip_reason"))


@pytest.fixture(autouse=True)
def _no_handlers(monkeypatch):
    """The channels' own apps (delivery, visits) are tested there: here nothing is handed over."""
    monkeypatch.setattr(channels, "_HANDLERS", {})


def test_a_sequence_advances_step_by_step_after_each_wait(manager):
    c = customer()
    _sequence(manager, {"channel": "dm", "wait_days": 7}, {"channel": "phone", "wait_days": 21})
    _run()
    assert _executions(c) == [(1, "due", "")]
    assert (_target(c).last_step_position, _target(c).next_step_on) == (1, TODAY + 7 * DAY)
    _run(TODAY + 6 * DAY)
    assert len(_executions(c)) == 1  # not due yet
    _run(TODAY + 7 * DAY)
    assert [e[:2] for e in _executions(c)] == [(1, "due"), (2, "due")]
    _run(TODAY + 28 * DAY)
    target = _target(c)
    assert [e[0] for e in _executions(c)] == [1, 2, 3]
    assert (target.sequence_state, target.last_step_position, target.next_step_on) == ("completed", 3, None)


def test_running_twice_a_day_changes_nothing_more(manager):
    c = customer()
    _sequence(manager, {"channel": "dm", "wait_days": 0})
    first = _run()
    assert first["executions"] == 2  # a wait of 0 runs the next step the same day
    again = _run()
    assert again["executions"] == 0
    assert StepExecution.objects.filter(customer=c).count() == 2


def test_a_purchase_since_enrolment_takes_the_customer_out(manager):
    buyer, other = customer(), customer()
    _sequence(manager, {"channel": "dm", "wait_days": 7})
    _run()
    Purchase.objects.create(customer=buyer, purchased_on=TODAY + 2 * DAY, amount=5000, row_key="b1")
    counts = _run(TODAY + 7 * DAY)
    assert counts["left"] == {"purchased": 1}
    target = _target(buyer)
    assert (target.sequence_state, target.left_reason, target.next_step_on) == ("left", "purchased", None)
    assert target.left_at is not None
    assert len(_executions(buyer)) == 1 and len(_executions(other)) == 2


def test_opting_out_of_every_remaining_channel_takes_the_customer_out(manager):
    email_only, both = customer(), customer()
    _sequence(manager, {"channel": "email", "wait_days": 7}, {"channel": "dm", "wait_days": 7})
    _run()
    Customer.objects.filter(pk=email_only.pk).update(has_email_consent=False, email_consent_changed_at=NOW,
                                                     has_dm_consent=False, dm_consent_changed_at=NOW)
    # Opted out of e-mail only: the letter still comes, so this customer stays (and the e-mail step is skipped).
    Customer.objects.filter(pk=both.pk).update(has_email_consent=False, email_consent_changed_at=NOW)
    _run(TODAY + 7 * DAY)
    assert (_target(email_only).sequence_state, _target(email_only).left_reason) == ("left", "opted_out")
    assert _target(both).sequence_state == "active"
    assert _executions(both)[1] == (2, "skipped", "opted_out")


def test_retired_and_merged_customers_leave(manager):
    retired, merged, into = customer(), customer(), customer()
    _sequence(manager, {"channel": "dm", "wait_days": 7})
    _run()
    Customer.objects.filter(pk=retired.pk).update(lifecycle=Customer.Lifecycle.RETIRED)
    Customer.objects.filter(pk=merged.pk).update(merged_into=into)
    counts = _run(TODAY + 7 * DAY)
    assert counts["left"] == {"retired": 1, "merged": 1}
    assert _target(into).sequence_state == "completed"


def _click(campaign, c, *, round=1):
    """A click on the first step's e-mail of `c`'s round (delivery's records, written directly)."""
    step = campaign.steps.get(position=1)
    message = OutboxMessage.objects.create(step=step, campaign=campaign, customer=c, round=round,
                                           state=OutboxMessage.State.SENT)
    EmailClick.objects.create(message=message, customer=c, campaign=campaign, step=step, url="https://example.jp/")


def test_conditions_and_key_accounts(manager):
    clicked, key, plain = customer(), customer(is_key_account=True), customer()
    campaign = _sequence(manager, {"channel": "dm", "wait_days": 7, "condition": "no_click"},
                         {"channel": "phone", "wait_days": 7, "condition": "no_purchase", "is_key_accounts_only": True})
    _run()
    _click(campaign, clicked)
    _run(TODAY + 7 * DAY)
    assert _executions(clicked)[1] == (2, "skipped", "clicked")
    assert _executions(plain)[1] == (2, "due", "")
    _run(TODAY + 14 * DAY)
    assert _executions(plain)[2] == (3, "skipped", "not_key_account")
    assert _executions(key)[2] == (3, "due", "")
    assert set(CampaignTarget.objects.values_list("sequence_state", flat=True)) == {"completed"}


def test_the_no_purchase_condition_reads_purchases_since_enrolment(manager, monkeypatch):
    c = customer()
    campaign = _sequence(manager, {"channel": "dm", "wait_days": 7, "condition": "no_purchase"})
    _run()
    Purchase.objects.create(customer=c, purchased_on=TODAY + DAY, amount=5000, row_key="p1")
    # With leaving on purchase switched off the condition itself must skip the step.
    monkeypatch.setattr(sequences, "_leave", lambda today, now: {})
    _run(TODAY + 7 * DAY)
    assert _executions(c)[1] == (2, "skipped", "bought")
    assert campaign.pk


def test_exclusions_at_execution_time_are_recorded_as_skip_reasons(manager):
    no_consent, lost = customer(), customer(status=DormancyStatus.DORMANT)
    _sequence(manager, {"channel": "dm", "wait_days": 7})
    # Both changed after the launch chose them.
    Customer.objects.filter(pk=no_consent.pk).update(has_email_consent=False)
    CustomerDormancy.objects.filter(customer=lost).update(status=DormancyStatus.LOST)
    _run()
    assert _executions(no_consent) == [(1, "skipped", "no_consent")]
    assert _executions(lost) == [(1, "skipped", "lost")]
    # A skipped step does not stop the sequence.
    assert _target(no_consent).next_step_on == TODAY + 7 * DAY


def test_weekly_capacity_admits_each_reps_highest_priority_first(manager, rep, other_rep):
    today = D(2026, 5, 13)  # a Wednesday
    first = customer(assigned_rep=rep, status=DormancyStatus.DORMANT, priority=90)
    second = customer(assigned_rep=rep, status=DormancyStatus.DORMANT, priority=70)
    third = customer(assigned_rep=rep, status=DormancyStatus.DORMANT, priority=50)
    others = customer(assigned_rep=other_rep, status=DormancyStatus.DORMANT, priority=10)
    campaign = services.campaign_create(by=manager, name="電話", starts_on=today, ends_on=today + 30 * DAY,
                                        channel="phone", approach=Campaign.Approach.EVERYONE)
    campaign.steps.update(weekly_capacity_per_rep=2)
    _launch(campaign, manager)
    counts = _run(today)
    assert counts["executions"] == 3 and counts["deferred"] == 1
    assert {c.pk for c in (first, second, others)} == set(StepExecution.objects.values_list("customer_id", flat=True))
    assert _target(third).next_step_on == D(2026, 5, 18)  # next Monday
    _run(today + DAY)
    assert StepExecution.objects.count() == 3  # the week is full
    _run(D(2026, 5, 18))
    assert _executions(third) == [(1, "due", "")]


def test_due_executions_are_handed_to_the_channels_handler(manager, monkeypatch):
    c = customer()
    seen = []

    def handler(*, step, executions, now):
        seen.append((step.channel, sorted(executions.values_list("customer_id", flat=True))))
        return executions.update(state=StepExecution.State.HANDED_OVER, handed_over_at=now)

    monkeypatch.setattr(channels, "_HANDLERS", {"email": handler})
    _sequence(manager)
    counts = _run()
    assert seen == [("email", [c.pk])] and counts["handed_over"] == {"email": 1}
    _run()
    assert len(seen) == 1  # nothing left to hand over
    assert _executions(c) == [(1, "handed_over", "")]


def test_the_control_group_is_never_executed(manager):
    c = customer()
    _sequence(manager)
    CampaignTarget.objects.filter(customer=c).update(in_control_group=True, next_step_on=None)
    _run()
    assert _executions(c) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_the_work_once(manager, run_at_once):
    """Two connections advance the same sequences at the same moment: the advisory lock makes the second wait and
    find nothing left to do."""
    customers = [customer() for _ in range(20)]
    _sequence(manager, {"channel": "dm", "wait_days": 0})
    results, errors = run_at_once(lambda: _run()["executions"])
    assert not errors
    assert sorted(results) == [0, 2 * len(customers)]
    assert StepExecution.objects.count() == 2 * len(customers)


def test_the_frequency_cap_at_execution_time_skips_the_step(manager):
    capped, free = customer(), customer()
    _sequence(manager, {"channel": "dm", "wait_days": 7})
    _run()
    for days_ago in (1, 2):  # two letters from elsewhere in the 30 days before the letter step
        touch(capped, "letter", days_ago, now=NOW + 7 * DAY)
    _run(TODAY + 7 * DAY)
    assert _executions(capped)[1] == (2, "skipped", "frequency_cap")
    assert _executions(free)[1] == (2, "due", "")
