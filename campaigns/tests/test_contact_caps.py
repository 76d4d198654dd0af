"""The frequency cap's count kept ready (campaigns.caps): the cap read from it is the cap counted contact by
contact, whatever happened since the count — contacts written since, entered ahead, edited, deleted, moved by a
merge and back by its undo — and the count is taken again when it should be."""
import datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import caps, services
from campaigns.models import Campaign, ContactCap, ContactCapCount, ContactPolicy, StepExecution
from campaigns.segments import CHANNEL_CONSENT, PENDING_STATES, frequency_capped_q
from customers.maintenance.merge import customer_merge, customer_merge_undo
from customers.models import Customer, Touchpoint

from .support import NOW, customer, touch

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
CHANNELS = list(CHANNEL_CONSENT)  # the campaign channels: email, dm, phone, visit
TOUCHPOINT_CHANNELS = ["email", "letter", "phone", "visit", "counter"]


def _capped(channel, now):
    return set(Customer.objects.filter(frequency_capped_q(channel=channel, now=now)).values_list("pk", flat=True))


def _counted_one_by_one(channel, now):
    """The cap's definition, in Python: touchpoints of the channel up to `now` plus pending executions."""
    from campaigns.models import TOUCHPOINT_CHANNEL

    policy = ContactPolicy.current()
    capped = set()
    for c in Customer.objects.all():
        times = Touchpoint.objects.filter(customer=c, channel=TOUCHPOINT_CHANNEL[channel], occurred_at__lte=now)
        pending = StepExecution.objects.filter(customer=c, step__channel=channel, state__in=PENDING_STATES).count()
        in_30 = sum(1 for t in times if t.occurred_at > now - 30 * DAY) + pending
        in_180 = sum(1 for t in times if t.occurred_at > now - 180 * DAY) + pending
        if in_30 >= policy.max_contacts_30d or in_180 >= policy.max_contacts_180d:
            capped.add(c.pk)
    return capped


def _count(now=NOW):
    with time_machine.travel(now, tick=False):
        return caps.contact_caps_count(now=now)


contact = st.tuples(st.floats(min_value=-20, max_value=200, allow_nan=False), st.sampled_from(TOUCHPOINT_CHANNELS))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(histories=st.lists(st.lists(contact, max_size=8), min_size=1, max_size=4),
       cap_values=st.tuples(st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=6)),
       later=st.lists(st.tuples(st.integers(min_value=0, max_value=3), contact, st.floats(min_value=0, max_value=40)),
                      max_size=5),
       edits=st.lists(st.tuples(st.integers(min_value=0, max_value=30), st.sampled_from(["move", "delete"]),
                                st.floats(min_value=-5, max_value=100)), max_size=3),
       asked_after=st.lists(st.floats(min_value=0, max_value=60), min_size=1, max_size=3))
def test_the_cap_read_from_the_count_is_the_cap_counted_contact_by_contact(histories, cap_values, later, edits,
                                                                           asked_after):
    """Random contacts on every channel (some entered ahead of the count), a count, then contacts written since,
    edits and deletions of counted ones, and questions at random later moments: the count's answer is the exact
    one, for every campaign channel."""
    for model in (ContactCap, ContactCapCount, Touchpoint, Customer):
        model.objects.all().delete()
    ContactPolicy.objects.update_or_create(pk=1, defaults={"max_contacts_30d": min(cap_values),
                                                           "max_contacts_180d": max(cap_values)})
    people = [customer() for _ in histories]
    with time_machine.travel(NOW - 2 * caps.COUNT_MARGIN, tick=False):  # written well before the count
        for person, history in zip(people, histories, strict=True):
            for days_ago, channel in history:
                touch(person, channel, days_ago)
    _count()
    for index, (days_ago, channel), written_after in later:
        with time_machine.travel(NOW + written_after * DAY, tick=False):
            touch(people[index % len(people)], channel, days_ago, now=NOW + written_after * DAY)
    counted = list(Touchpoint.objects.order_by("pk"))
    for index, action, days_ago in edits:
        if not counted:
            break
        touchpoint = counted[index % len(counted)]
        if not Touchpoint.objects.filter(pk=touchpoint.pk).exists():
            continue
        with time_machine.travel(NOW + DAY, tick=False):
            if action == "delete":
                touchpoint.delete()
            else:
                touchpoint.occurred_at = NOW - days_ago * DAY
                touchpoint.save()
    for days in asked_after:
        now = NOW + days * DAY
        assert caps.ready_count(policy=ContactPolicy.current(), now=now) is not None  # the count is used
        for channel in CHANNELS:
            assert _capped(channel, now) == _counted_one_by_one(channel, now), (channel, days)


def test_the_count_keeps_the_dates_the_cap_falls_at():
    """Cap 2 per 30 days, 3 per 180: the second most recent contact and the third."""
    ContactPolicy.objects.update_or_create(pk=1, defaults={"max_contacts_30d": 2, "max_contacts_180d": 3})
    c = customer()
    with time_machine.travel(NOW - DAY, tick=False):
        for days_ago in (3, 10, 50, 170, 190):
            touch(c, "email", days_ago)
        touch(c, "letter", 5)
    _count()
    row = ContactCap.objects.get(customer=c)
    assert (row.channel, row.nth_30d_at, row.nth_180d_at, row.recheck) == ("email", NOW - 10 * DAY, NOW - 50 * DAY,
                                                                         False)
    assert _capped("email", NOW) == {c.pk}
    assert _capped("email", NOW + 21 * DAY) == {c.pk}  # the 180-day cap still holds (50 days ago)
    assert _capped("email", NOW + 131 * DAY) == set()  # … until the third contact is 180 days old
    assert _capped("dm", NOW) == set()


def test_a_contact_entered_ahead_of_the_count_is_counted_when_its_day_comes():
    c = customer()
    with time_machine.travel(NOW - DAY, tick=False):
        touch(c, "email", 1)
        touch(c, "email", -5)  # a visit planned and logged ahead
    _count()
    assert ContactCap.objects.get(customer=c).recheck
    assert _capped("email", NOW) == set()
    assert _capped("email", NOW + 5 * DAY) == {c.pk}


def test_the_count_is_not_used_for_another_cap_nor_for_an_earlier_moment(manager, django_capture_on_commit_callbacks,
                                                                          eager_tasks):
    c = customer()
    with time_machine.travel(NOW - DAY, tick=False):
        touch(c, "email", 2)
    _count()
    assert caps.ready_count(policy=ContactPolicy.current(), now=NOW - DAY) is None
    with django_capture_on_commit_callbacks() as callbacks:
        services.contact_policy_update(by=manager, max_contacts_30d=1, max_contacts_180d=6)
    # Until the count is taken under the new cap, the cap is counted from the touchpoints: already right.
    assert caps.ready_count(policy=ContactPolicy.current(), now=NOW) is None
    assert _capped("email", NOW) == {c.pk}
    with time_machine.travel(NOW, tick=False):
        for callback in callbacks:  # the count queued by the change
            callback()
    count = ContactCapCount.objects.get()
    assert (count.max_contacts_30d, count.max_contacts_180d) == (1, 6)
    assert caps.ready_count(policy=ContactPolicy.current(), now=NOW + DAY) is not None
    assert _capped("email", NOW + DAY) == {c.pk}


def test_a_merge_and_its_undo_count_the_moved_contacts_again(maintainer):
    survivor, duplicate = customer(name="株式会社 統合"), customer(name="株式会社統合")
    with time_machine.travel(NOW - DAY, tick=False):
        touch(survivor, "email", 3)
        touch(duplicate, "email", 4)
    _count()
    assert _capped("email", NOW) == set()
    with time_machine.travel(NOW, tick=False):
        merge = customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    assert _capped("email", NOW) == {survivor.pk}  # two e-mails in 30 days, one of them the duplicate's
    assert ContactCap.objects.filter(customer=survivor).exists()
    _count(NOW + DAY)  # the nightly count between the merge and its undo
    with time_machine.travel(NOW + 2 * DAY, tick=False):
        customer_merge_undo(merge=merge, by=maintainer)
    assert _capped("email", NOW + 2 * DAY) == set()
    assert not ContactCap.objects.exists()


def test_counting_twice_gives_the_same_rows():
    people = [customer() for _ in range(3)]
    with time_machine.travel(NOW - DAY, tick=False):
        for n, person in enumerate(people):
            for days_ago in range(n + 1):
                touch(person, "phone", days_ago * 7 + 1)
    _count()
    first = list(ContactCap.objects.order_by("customer_id").values_list("customer_id", "nth_30d_at", "nth_180d_at"))
    _count()
    assert list(ContactCap.objects.order_by("customer_id").values_list(
        "customer_id", "nth_30d_at", "nth_180d_at")) == first
    assert [pk for pk, *_dates in first] == [people[1].pk, people[2].pk]


def test_delivery_has_the_count_taken_again_once_many_were_contacted_since(manager, monkeypatch, eager_tasks,
                                                                          django_capture_on_commit_callbacks):
    monkeypatch.setattr(caps, "RECOUNT_AFTER", 2)
    people = [customer() for _ in range(3)]
    campaign = services.campaign_create(by=manager, name="秋", starts_on=NOW.date(), ends_on=NOW.date() + 30 * DAY,
                                        channel=Campaign.Channel.EMAIL, approach=Campaign.Approach.EVERYONE)
    step = campaign.steps.get()
    _count(NOW - DAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.step_contacts_record(step=step, customer_ids=[people[0].pk], now=NOW)
    assert ContactCapCount.objects.get().counted_at == NOW - DAY  # one since the count: not yet
    with django_capture_on_commit_callbacks(execute=True):
        services.step_contacts_record(step=step, customer_ids=[p.pk for p in people[1:]], now=NOW)
    assert ContactCapCount.objects.get().counted_at > NOW


def test_the_nightly_scan_has_the_count_taken_after_it_commits(eager_tasks, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from crm.dormancy.pipeline import scan_dormancy

    c = customer()
    touch(c, "email", 1, now=timezone.now())
    touch(c, "email", 2, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        scan_dormancy(as_of=NOW.date())
    assert ContactCap.objects.filter(customer=c, channel="email").exists()
    assert ContactCapCount.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_counts_at_once_both_succeed_with_the_same_rows(run_at_once):
    from django.utils import timezone

    people = [customer() for _ in range(10)]
    for person in people:
        touch(person, "email", 1, now=timezone.now())
        touch(person, "email", 2, now=timezone.now())
    _counts, errors = run_at_once(caps.contact_caps_count)
    assert not errors
    assert set(ContactCap.objects.values_list("customer_id", flat=True)) == {p.pk for p in people}
