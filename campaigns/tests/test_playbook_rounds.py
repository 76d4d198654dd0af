"""Playbook rounds: a customer who went through a playbook, bought again and went quiet again is enrolled into it
again (round 2), and every step of round 2 happens again, once; a running round is never doubled, and rerunning the
nightly scan enrols and executes nobody twice. The response figures count each round as an enrolment."""
import datetime
import zoneinfo
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from campaigns import channels, feedback, playbooks, response, sequences, services
from campaigns.delivery import letters, outbox
from campaigns.models import (
    Campaign,
    CampaignContact,
    CampaignStep,
    CampaignTarget,
    Coupon,
    CouponOffer,
    EmailClick,
    LetterBatch,
    LetterBatchItem,
    OutboxMessage,
    StepExecution,
)
from campaigns.sequence_selectors import customer_campaigns_panel
from crm.dormancy.models import ConfirmedReason, ScanRun, StatusChange
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, make_customer
from customers.models import Purchase, Touchpoint

from .support import customer

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
REACHABLE = {"email": "info@example.jp", "has_email_consent": True, "address": "東京都港区1-1",
             "postal_code": "105-0001", "prefecture": "東京都", "has_dm_consent": True, "phone": "03-1234-5678",
             "has_phone_consent": True}
# Round 1 starts on AS_OF; the customer buys after its letter, and is quiet again 200 days after that purchase.
BOUGHT_AGAIN_ON = AS_OF + 15 * DAY
ROUND_2_ON = BOUGHT_AGAIN_ON + 200 * DAY


def at(day, hour):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=TOKYO), tick=False)


def scan(as_of):
    """The nightly scan of `as_of`, at 02:00 that night (enrolment stamps the wall clock)."""
    with at(as_of, 2):
        run = scan_dormancy(as_of=as_of)
    assert run.outcome == "succeeded", run.error
    return run


def send(as_of):
    """The outbox worker, at 09:00 on `as_of` (locmem backend: mail.outbox)."""
    with at(as_of, 9):
        return outbox.outbox_send_batch()


def dissatisfied(**fields):
    """Dormant on AS_OF (bought 400 and 200 days before), said it was the product: the product playbook's."""
    c = make_customer(**{**REACHABLE, **fields})
    buy(c, ago(400), 12_000)
    buy(c, ago(200), 8_000)
    ConfirmedReason.objects.create(customer=c, reason="product", source="call")
    return c


@pytest.fixture
def product_playbook(manager):
    """The default playbooks without a control group; the product playbook's e-mail carries a coupon."""
    playbooks.playbooks_default_create(by=manager)
    Campaign.objects.filter(kind="playbook").update(control_share_percent=0)
    playbook = playbooks.playbook_for("product")
    first = playbook.steps.get(position=1)
    CampaignStep.objects.filter(pk=first.pk).update(body=first.body + "\n{{ coupon_code }}")
    CouponOffer.objects.create(step=first, category="建材", discount_kind="percent", discount_value=10, valid_days=30)
    return playbook


def rows(model, c):
    return sorted(model.objects.filter(customer=c).values_list("step__position", "round"))


def test_a_customer_who_came_back_and_went_quiet_again_runs_the_playbook_again(product_playbook, manager):
    c = dissatisfied()
    # Round 1: the e-mail (sent: its coupon issued, its contact recorded), then the letter after 14 days.
    assert scan(AS_OF).counts["campaigns"]["enrolled"] == 1
    send(AS_OF)
    scan(AS_OF + 14 * DAY)
    buy(c, BOUGHT_AGAIN_ON, 5_000)
    scan(AS_OF + 35 * DAY)  # the call step is due: he bought, so he leaves the sequence
    first = CampaignTarget.objects.get(customer=c)
    assert (first.round, first.sequence_state, first.left_reason) == (1, "left", "purchased")

    run = scan(ROUND_2_ON)
    assert StatusChange.objects.filter(scan_run=run, customer=c, to_status__in=["dormant", "at_risk"]).exists()
    assert run.counts["campaigns"]["enrolled"] == 1
    second = CampaignTarget.objects.get(customer=c, round=2)
    assert (second.campaign_id, second.sequence_state, second.due_on) == (product_playbook.pk, "active", ROUND_2_ON)
    assert second.enrolled_at > first.enrolled_at
    send(ROUND_2_ON)
    scan(ROUND_2_ON + 14 * DAY)

    # Every step of round 2 happened again: execution, e-mail, coupon, contact, letter.
    assert rows(StepExecution, c) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert sorted(OutboxMessage.objects.filter(customer=c).values_list("round", "state")) == [(1, "sent"),
                                                                                               (2, "sent")]
    assert len(mail.outbox) == 2
    coupons = dict(Coupon.objects.filter(customer=c).values_list("round", "code"))
    assert sorted(coupons) == [1, 2] and coupons[1] != coupons[2]
    assert rows(CampaignContact, c) == [(1, 1), (1, 2)]
    email_step = product_playbook.steps.get(position=1)
    assert Touchpoint.objects.filter(customer=c, summary=services.contact_summary(product_playbook, email_step, 2)
                                     ).count() == 1
    assert rows(LetterBatchItem, c) == [(2, 1), (2, 2)]

    # Both letters wait in the step's open batch, each with the link and round of its own enrolment.
    batch = LetterBatch.objects.get(step__campaign=product_playbook, state="open")
    links = {item.round: values["feedback_url"] for item, values in letters.letters_in_order(batch)}
    tokens = {round_: urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] for round_, url in links.items()}
    assert [feedback.feedback_request_for_token(tokens[n])[2] for n in (1, 2)] == [1, 2]
    LetterBatch.objects.filter(pk=batch.pk).update(state="ready")
    assert letters.letter_batch_mark_posted(batch=batch, by=manager) == 2
    assert rows(CampaignContact, c) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    # An answer to round 1's request does not stop round 2's from being answered.
    step = product_playbook.steps.get(position=2)
    feedback.feedback_answer_record(customer=c, step=step, reason="price", round=1)
    assert not feedback.is_answered(customer=c, step=step, round=2)
    feedback.feedback_answer_record(customer=c, step=step, reason="price", round=2)
    with pytest.raises(feedback.AlreadyAnswered):
        feedback.feedback_answer_record(customer=c, step=step, reason="price", round=2)


def test_rerunning_the_scan_that_started_round_2_enrols_and_executes_nobody_twice(product_playbook):
    c = dissatisfied()
    scan(AS_OF)
    buy(c, BOUGHT_AGAIN_ON, 5_000)
    scan(AS_OF + 35 * DAY)
    scan(ROUND_2_ON)
    before = (list(CampaignTarget.objects.order_by("pk").values_list("round", "sequence_state")),
              rows(StepExecution, c), OutboxMessage.objects.count())
    again = scan(ROUND_2_ON)
    assert again.counts["campaigns"]["enrolled"] == 0 and again.counts["campaigns"]["executions"] == 0
    assert (list(CampaignTarget.objects.order_by("pk").values_list("round", "sequence_state")),
            rows(StepExecution, c), OutboxMessage.objects.count()) == before
    assert before[0] == [(1, "left"), (2, "active")]


def _quiet_again(c, as_of, to_status="dormant", from_status="at_risk"):
    """A later scan run in which `c` changed to `to_status` (written directly: the enrolment reads only these)."""
    run = ScanRun.objects.create(as_of=as_of, outcome="succeeded")
    StatusChange.objects.create(customer=c, from_status=from_status, to_status=to_status, as_of=as_of, scan_run=run)
    return run


def test_a_running_round_is_not_doubled(product_playbook):
    c = dissatisfied()
    scan(AS_OF)
    buy(c, AS_OF + DAY)  # bought, but his next step is not due yet: the round still runs
    run = _quiet_again(c, AS_OF + 7 * DAY)
    assert playbooks.playbook_enrol(run=run, as_of=AS_OF + 7 * DAY) == 0
    assert list(CampaignTarget.objects.filter(customer=c).values_list("round", "sequence_state")) == [(1, "active")]


def test_an_ended_round_without_a_purchase_since_is_not_repeated(product_playbook):
    """At risk, through every step without an answer, then dormant: the same episode, not a second round."""
    c = dissatisfied()
    scan(AS_OF)
    CampaignTarget.objects.filter(customer=c).update(sequence_state="completed", next_step_on=None)
    run = _quiet_again(c, AS_OF + 60 * DAY)
    assert playbooks.playbook_enrol(run=run, as_of=AS_OF + 60 * DAY) == 0
    # Once he has bought since, the next change starts round 2.
    buy(c, AS_OF + 61 * DAY)
    run = _quiet_again(c, AS_OF + 200 * DAY, from_status="active")
    assert playbooks.playbook_enrol(run=run, as_of=AS_OF + 200 * DAY) == 1
    assert sorted(CampaignTarget.objects.filter(customer=c).values_list("round", "sequence_state")) == [
        (1, "completed"), (2, "active")]


def test_a_control_group_round_ends_when_its_customer_comes_back_and_goes_quiet_again(product_playbook):
    Campaign.objects.filter(pk=product_playbook.pk).update(control_share_percent=50)
    c = dissatisfied()
    scan(AS_OF)
    first = CampaignTarget.objects.get(customer=c)
    CampaignTarget.objects.filter(pk=first.pk).update(in_control_group=True, next_step_on=None)
    StepExecution.objects.filter(customer=c).delete()
    buy(c, AS_OF + 20 * DAY)
    as_of = AS_OF + 200 * DAY
    assert playbooks.playbook_enrol(run=_quiet_again(c, as_of, from_status="active"), as_of=as_of) == 1
    first.refresh_from_db()
    assert (first.sequence_state, first.left_reason) == ("left", "purchased")
    assert CampaignTarget.objects.get(customer=c, round=2).sequence_state == "active"


def test_a_click_on_round_1s_email_does_not_skip_round_2s_letter(manager, monkeypatch):
    monkeypatch.setattr(channels, "_HANDLERS", {})
    playbooks.playbooks_default_create(by=manager)
    playbook = playbooks.playbook_for("product")
    email_step, letter_step = playbook.steps.get(position=1), playbook.steps.get(position=2)
    c = customer()
    today = AS_OF
    first = CampaignTarget.objects.create(campaign=playbook, customer=c, due_on=today - 400 * DAY, round=1,
                                          sequence_state="left", left_reason="purchased")
    message = OutboxMessage.objects.create(step=email_step, campaign=playbook, customer=c, round=1, state="sent")
    EmailClick.objects.create(message=message, customer=c, campaign=playbook, step=email_step,
                              url="https://example.jp/")
    second = CampaignTarget.objects.create(campaign=playbook, customer=c, due_on=today - 14 * DAY, round=2,
                                           last_step_position=1, next_step_on=today)
    StepExecution.objects.create(step=email_step, campaign=playbook, target=second, customer=c, round=2,
                                 due_on=today - 14 * DAY, state="contacted")
    sequences.sequences_advance(today=today, now=timezone.now())
    assert StepExecution.objects.get(step=letter_step, customer=c).state == "due"
    assert StepExecution.objects.get(step=letter_step, customer=c).round == 2
    assert first.pk != second.pk


def test_the_card_shows_the_round_of_a_second_enrolment(product_playbook):
    c = customer()
    CampaignTarget.objects.create(campaign=product_playbook, customer=c, due_on=AS_OF - 300 * DAY, round=1,
                                  sequence_state="left", left_reason="purchased")
    target = CampaignTarget.objects.create(campaign=product_playbook, customer=c, due_on=AS_OF, round=2)
    StepExecution.objects.create(step=product_playbook.steps.get(position=1), campaign=product_playbook,
                                 target=target, customer=c, round=2, due_on=AS_OF)
    with translation.override("en"):
        html = render_to_string("campaigns/partials/customer_campaigns.html",
                                {"panel": customer_campaigns_panel(c, None)})
    assert html.count("round 2") == 2  # the enrolment and its step
    assert "round 1" not in html


def test_an_ordinary_campaign_has_one_round(manager):
    c = customer()
    campaign = services.campaign_create(by=manager, name="夏DM", starts_on=AS_OF, ends_on=AS_OF + 30 * DAY,
                                        channel=Campaign.Channel.DM, approach=Campaign.Approach.EVERYONE)
    services.campaign_launch(campaign=campaign, by=manager)
    assert list(CampaignTarget.objects.filter(customer=c).values_list("round", flat=True)) == [1]


# --- response figures with two rounds --------------------------------------------------------------------------

D = datetime.date
T1 = timezone.make_aware(datetime.datetime(2025, 1, 10, 12, 0))
T2 = timezone.make_aware(datetime.datetime(2025, 9, 1, 12, 0))
TODAY = D(2026, 10, 1)  # more than a year after both contacts


def _buy(c, day, amount=1000):
    Purchase.objects.create(customer=c, purchased_on=day, amount=amount, row_key=f"r-{c.pk}-{day}-{amount}")


@pytest.fixture
def two_rounds(manager):
    """A playbook with one e-mail step (window 30 days).

    A round 1: contacted 2025-01-10, bought 2025-01-20 ¥5,000 (day 10: responded), clicked twice; left.
    A round 2: contacted 2025-09-01, clicked once; bought 2025-11-15 (day 75: after the window: not responded).
    B round 1: contacted 2025-09-01, bought 2025-09-05 ¥2,000 (responded).
    C control: round 1 due 2025-01-10, bought 2025-01-25 ¥1,000 (responded); round 2 due 2025-09-01, nothing.

    Per (customer, round): contacted 3 (A1, A2, B1), responded 2 (A1, B1) → 0.6667, revenue ¥7,000; clicked 2
    (A1, A2: two messages). Before (365 days up to the contact): A1 0, A2 1 (01-20), B1 0 → 1/3. After (a whole
    year each): A1 2 (01-20, 11-15), A2 1 (11-15), B1 1 → 4 days in 3 years → 1.333. Control: held back 2,
    responded 1 → 0.5, revenue ¥1,000. Counted per customer instead, A would be one contact, one click.
    """
    playbook = Campaign.objects.create(
        name="Playbook: product", kind=Campaign.Kind.PLAYBOOK, playbook_reason="product", starts_on=D(2025, 1, 1),
        ends_on=D(2035, 1, 1), channel=Campaign.Channel.EMAIL, approach=Campaign.Approach.EVERYONE,
        state=Campaign.State.LAUNCHED, launched_at=T1, created_by=manager)
    step = CampaignStep.objects.create(campaign=playbook, position=1, channel=Campaign.Channel.EMAIL)
    a, b, c = customer(), customer(), customer()
    _buy(a, D(2025, 1, 20), 5_000)
    _buy(a, D(2025, 11, 15), 800)
    _buy(b, D(2025, 9, 5), 2_000)
    _buy(c, D(2025, 1, 25), 1_000)
    enrolments = [(a, 1, T1, "left"), (a, 2, T2, "active"), (b, 1, T2, "active")]
    for who, round_, at, state in enrolments:
        target = CampaignTarget.objects.create(campaign=playbook, customer=who, round=round_, due_on=at.date(),
                                               enrolled_at=at, sequence_state=state)
        StepExecution.objects.create(step=step, campaign=playbook, target=target, customer=who, round=round_,
                                     due_on=at.date(), state="handed_over")
    CampaignTarget.objects.create(campaign=playbook, customer=c, round=1, due_on=T1.date(), in_control_group=True,
                                  sequence_state="left", left_reason="purchased")
    CampaignTarget.objects.create(campaign=playbook, customer=c, round=2, due_on=T2.date(), in_control_group=True)
    services.step_contacts_record(step=step, customer_ids=[a.pk], round=1, now=T1)
    services.step_contacts_record(step=step, customer_ids=[a.pk], round=2, now=T2)
    services.step_contacts_record(step=step, customer_ids=[b.pk], round=1, now=T2)
    for round_, clicks in ((1, 2), (2, 1)):
        message = OutboxMessage.objects.create(step=step, campaign=playbook, customer=a, round=round_, state="sent")
        for _ in range(clicks):
            EmailClick.objects.create(message=message, customer=a, campaign=playbook, step=step,
                                      url="https://example.jp/")
    return playbook


def test_the_response_counts_each_round_as_an_enrolment(two_rounds):
    rows_ = {r.key: r for r in response.campaign_response(two_rounds, today=TODAY)["rows"]}
    step, total, control = rows_[f"step-{two_rounds.steps.get().pk}"], rows_["total"], rows_["control"]
    assert (step.targeted, step.contacted, step.clicked, step.responded, step.revenue) == (3, 3, 2, 2, 7_000)
    assert step.response_rate == 0.6667
    assert step.frequency_before == pytest.approx(1 / 3) and step.frequency_after == pytest.approx(4 / 3)
    assert (total.targeted, total.contacted, total.clicked, total.responded, total.revenue) == (3, 3, 2, 2, 7_000)
    assert (control.targeted, control.responded, control.revenue, control.response_rate) == (2, 1, 1_000, 0.5)
    assert StepExecution.objects.filter(campaign=two_rounds, state="contacted").count() == 3


def test_the_playbooks_response_says_each_round_counts(two_rounds, client_for, manager):
    page = client_for(manager).get(two_rounds.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A customer enrolled again in a later round counts once per round." in page
