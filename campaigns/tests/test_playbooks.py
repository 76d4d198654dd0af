"""Playbooks: the nightly scan enrols customers who became dormant in that run into their reason's playbook (the
confirmed reason first), by priority, and advances them; running the scan again changes nothing."""
import datetime

import pytest

from campaigns import channels, playbooks
from campaigns.models import Campaign, CampaignTarget, StepExecution
from crm.dormancy.models import ConfirmedReason, CustomerDormancy
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, buy_on_days, make_customer, product
from crm.permissions import Refused
from customers.models import PriceChange

pytestmark = pytest.mark.django_db
STEADY = [700, 640, 580, 520, 460, 400, 340, 280, 220]
REACHABLE = {"email": "info@example.jp", "has_email_consent": True, "address": "東京都港区1-1",
             "has_dm_consent": True, "phone": "03-1234-5678", "has_phone_consent": True}


@pytest.fixture(autouse=True)
def _no_handlers(monkeypatch):
    monkeypatch.setattr(channels, "_HANDLERS", {})


def scan(as_of=AS_OF):
    run = scan_dormancy(as_of=as_of)
    assert run.outcome == "succeeded", run.error
    return run


def product_dissatisfied():
    c = make_customer(**REACHABLE)
    buy(c, ago(400), 12_000)
    buy(c, ago(200), 8_000)
    return c


def price_sensitive():
    cement = product("SEMENT", "セメント")
    c = buy_on_days(make_customer(**REACHABLE), STEADY, product=cement)
    PriceChange.objects.get_or_create(product=cement, changed_on=ago(220 + 90), old_price=1000, new_price=1200)
    return c


def playbook_of(c):
    return CampaignTarget.objects.filter(customer=c).values_list("campaign__playbook_reason", flat=True).first()


def test_only_managers_create_the_default_playbooks(manager, rep):
    with pytest.raises(Refused):
        playbooks.playbooks_default_create(by=rep)
    created = playbooks.playbooks_default_create(by=manager)
    assert sorted(p.playbook_reason for p in created) == ["customer_side", "price", "product"]
    assert playbooks.playbooks_default_create(by=manager) == []  # a second time: nothing new
    product_playbook = playbooks.playbook_for("product")
    assert product_playbook.state == "launched" and product_playbook.kind == "playbook"
    assert list(product_playbook.steps.values_list("channel", "wait_days", "condition", "is_key_accounts_only")) == [
        ("email", 0, "always", False), ("dm", 14, "no_click", False), ("phone", 21, "no_purchase", True)]
    assert "{{ feedback_url }}" in product_playbook.steps.get(position=2).body


def test_the_scan_enrols_newly_dormant_customers_by_reason_and_runs_their_first_step(manager):
    playbooks.playbooks_default_create(by=manager)
    Campaign.objects.filter(kind="playbook").update(control_share_percent=0)
    a, b = product_dissatisfied(), price_sensitive()
    run = scan()
    assert CustomerDormancy.objects.get(customer=a).reason == "product"
    assert (playbook_of(a), playbook_of(b)) == ("product", "price")
    assert run.counts["campaigns"]["enrolled"] == 2
    target = CampaignTarget.objects.get(customer=a)
    assert (target.due_on, target.last_step_position, target.next_step_on) == (AS_OF, 1, AS_OF + datetime.timedelta(14))
    assert list(StepExecution.objects.filter(customer=a).values_list("step__channel", "state")) == [("email", "due")]


def test_the_confirmed_reason_overrides_the_inferred_one_and_a_closed_business_is_not_enrolled(manager):
    playbooks.playbooks_default_create(by=manager)
    told_price, closed = product_dissatisfied(), product_dissatisfied()
    ConfirmedReason.objects.create(customer=told_price, reason="price", source="call")
    ConfirmedReason.objects.create(customer=closed, reason="closed", source="visit")
    scan()
    assert playbook_of(told_price) == "price"
    assert playbook_of(closed) is None


def test_rerunning_the_scan_enrols_and_executes_nothing_twice(manager):
    playbooks.playbooks_default_create(by=manager)
    Campaign.objects.filter(kind="playbook").update(control_share_percent=0)
    customers = [product_dissatisfied() for _ in range(3)]
    scan()
    before = (sorted(CampaignTarget.objects.values_list("customer_id", "campaign_id", "last_step_position")),
              StepExecution.objects.count())
    again = scan()
    assert again.counts["campaigns"]["enrolled"] == 0 and again.counts["campaigns"]["executions"] == 0
    assert (sorted(CampaignTarget.objects.values_list("customer_id", "campaign_id", "last_step_position")),
            StepExecution.objects.count()) == before
    # Fourteen days later the letter step (no click: nobody has clicked yet) falls due, once.
    later = scan(AS_OF + datetime.timedelta(days=14))
    assert later.counts["campaigns"]["executions"] == 3
    scan(AS_OF + datetime.timedelta(days=14))
    assert StepExecution.objects.filter(step__position=2).count() == len(customers)


def test_without_playbooks_the_scan_enrols_nobody():
    product_dissatisfied()
    run = scan()
    assert run.counts["campaigns"]["enrolled"] == 0
    assert not CampaignTarget.objects.exists()


def test_enrolment_is_ordered_by_priority_and_draws_the_control_group(manager):
    playbooks.playbooks_default_create(by=manager)
    Campaign.objects.filter(kind="playbook").update(control_share_percent=50)
    for _ in range(12):
        product_dissatisfied()
    scan()
    targets = CampaignTarget.objects.filter(campaign__playbook_reason="product")
    assert targets.count() == 12
    control = targets.filter(in_control_group=True)
    assert 0 < control.count() < 12
    assert not StepExecution.objects.filter(customer_id__in=control.values("customer_id")).exists()
    assert set(control.values_list("next_step_on", flat=True)) == {None}
