"""The sequence engine: moves every running campaign sequence on by one day, set-based.

    sequences_advance(today=…, now=…) -> counts

For the active, non-control targets of launched campaigns whose next step is due (next_step_on ≤ today):

1. Leaving. A customer who bought since enrolment, was merged into another record, was retired, or opted out of
   the channel of every step still to come leaves the sequence (left_reason, left_at): one UPDATE per reason.
2. Executing. Per due step (a loop over steps, never over customers) one INSERT … SELECT writes a StepExecution
   for each of its due targets: DUE, or SKIPPED with the reason — the step's condition (no click on the previous
   message, no purchase since enrolment), key accounts only, then the exclusions of campaigns.segments for the
   step's channel at this moment (consent, address, cap, retired, lost). Each execution carries its target's round
   (a playbook's later enrolment of the same customer, campaigns.playbooks); ON CONFLICT (step, customer, round) DO
   NOTHING: each (customer, campaign, round, step) happens at most once, however often this runs. A phone or visit
   step with a weekly capacity per rep admits each rep's highest-priority customers first (crm.dormancy
   priority_score); the rest get no execution and their step moves to next Monday.
3. Handing over. Each channel's registered handler (campaigns.channels) gets the step's DUE executions.
4. Advancing. Targets with an execution of their step move on: last_step_position, next_step_on = today + the next
   step's wait, or COMPLETED after the last step. A next step due today is taken in the same run (another pass).

Everything runs in one transaction under an advisory lock (PostgreSQL; SQLite serialises writers), so two runs
at once do the work once: the second finds nothing due.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import datetime

from django.db import transaction
from django.db.models import Case, CharField, Exists, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import sql
from customers.models import Customer, Purchase

from . import channels, segments
from .models import Campaign, CampaignStep, CampaignTarget, EmailClick, StepExecution

LOCK = (0x6D7A, 0x0531)  # the advisory lock of the sequence engine (the first key is campaigns' own)
# Past this many executions written by one step, the table's statistics are refreshed (see _execute_step).
ANALYZE_AFTER = 1000
MAX_PASSES = 10  # a sequence with several steps of wait 0 runs them on the same day, up to this many

SKIP_REASONS = {
    "clicked": _("Clicked the previous message"),
    "bought": _("Bought since enrolment"),
    "not_key_account": _("Not a key account"),
    **segments.EXCLUSION_REASONS,
}
LEFT = CampaignTarget.SequenceState.LEFT
ACTIVE = CampaignTarget.SequenceState.ACTIVE
COMPLETED = CampaignTarget.SequenceState.COMPLETED
CAPACITY_CHANNELS = (Campaign.Channel.PHONE, Campaign.Channel.VISIT)


def clicks_in_round(step):
    """For a CampaignTarget subquery row: his clicks on a link in `step`'s message of his own round (the previous
    step of a "no click" condition; a click in an earlier round's message does not count), from delivery's click
    records. A letter's step has none: "no click" holds."""
    return EmailClick.objects.filter(step=step, customer_id=OuterRef("customer_id"), message__round=OuterRef("round"))


def _due_targets(today):
    return CampaignTarget.objects.filter(
        sequence_state=ACTIVE, in_control_group=False, next_step_on__lte=today,
        campaign__state=Campaign.State.LAUNCHED)


def _with_enrolment_date(targets):
    return targets.annotate(enrolled_on=TruncDate("enrolled_at"))


def _bought_since_enrolment(first_enrolled_on=None):
    """On a queryset annotated by _with_enrolment_date: the customer bought on or after the enrolment day.
    first_enrolled_on (the earliest enrolment day among the targets asked about) adds a constant bound the planner
    can read the purchases' date index with, instead of hashing every purchase of the base (measured: 3 s of 3,000,000
    purchases for 50,000 targets, bench/bench_sequences.py)."""
    purchases = Purchase.objects.filter(customer_id=OuterRef("customer_id"), purchased_on__gte=OuterRef("enrolled_on"))
    if first_enrolled_on is not None:
        purchases = purchases.filter(purchased_on__gte=first_enrolled_on)
    return Exists(purchases)


def _remaining_steps(channel=None):
    steps = CampaignStep.objects.filter(campaign_id=OuterRef("campaign_id"), position__gt=OuterRef("last_step_position"))
    return Exists(steps.filter(channel=channel) if channel else steps)


def _opted_out_of_every_remaining_step():
    """Every step still to come uses a channel the customer withdrew consent for (a visit needs none)."""
    condition = _remaining_steps()
    for channel, (consent, changed_at, _address) in segments.CHANNEL_CONSENT.items():
        no_step_on_channel = ~_remaining_steps(channel)
        if consent:
            opted_out = Q(**{f"customer__{consent}": False, f"customer__{changed_at}__isnull": False})
            condition &= opted_out | no_step_on_channel
        else:
            condition &= no_step_on_channel
    return condition


def _leave(today, now):
    """Targets who left, per reason, in EXCLUSION-like order (merged first: the record is gone)."""
    first_enrolled_on = _with_enrolment_date(_due_targets(today)).aggregate(first=Min("enrolled_on"))["first"]
    reasons = [
        (CampaignTarget.LeftReason.MERGED, Q(customer__merged_into__isnull=False)),
        (CampaignTarget.LeftReason.RETIRED, Q(customer__lifecycle=Customer.Lifecycle.RETIRED)),
        (CampaignTarget.LeftReason.PURCHASED, _bought_since_enrolment(first_enrolled_on)),
        (CampaignTarget.LeftReason.OPTED_OUT, _opted_out_of_every_remaining_step()),
    ]
    left = {}
    for reason, condition in reasons:
        ids = _with_enrolment_date(_due_targets(today)).filter(condition).values("pk")
        n = CampaignTarget.objects.filter(pk__in=ids, sequence_state=ACTIVE).update(
            sequence_state=LEFT, left_reason=reason, left_at=now, next_step_on=None)
        if n:
            left[reason.value] = n
    return left


def _next_step_id():
    return Subquery(CampaignStep.objects.filter(campaign_id=OuterRef("campaign_id"),
                                                position__gt=OuterRef("last_step_position"))
                    .order_by("position").values("pk")[:1])


def _targets_of_step(step, today):
    """The due targets whose next step is `step`."""
    between = CampaignStep.objects.filter(campaign_id=OuterRef("campaign_id"),
                                          position__gt=OuterRef("last_step_position"), position__lt=step.position)
    return _due_targets(today).filter(campaign_id=step.campaign_id, last_step_position__lt=step.position).exclude(
        Exists(between))


def _previous_step(step):
    return (CampaignStep.objects.filter(campaign_id=step.campaign_id, position__lt=step.position)
            .order_by("-position").first())


def _skip_reason(step, targets, now):
    """A CASE giving, for a customer (on a Customer queryset), why the step is skipped for him ('' if it is not)."""
    whens = []
    if step.condition == CampaignStep.Condition.NO_CLICK:
        previous = _previous_step(step)
        if previous is not None:
            clicked = targets.filter(customer_id=OuterRef("pk")).filter(Exists(clicks_in_round(previous)))
            whens.append(When(Exists(clicked), then=Value("clicked")))
    elif step.condition == CampaignStep.Condition.NO_PURCHASE:
        bought = _with_enrolment_date(targets.filter(customer_id=OuterRef("pk"))).filter(
            _bought_since_enrolment())
        whens.append(When(Exists(bought), then=Value("bought")))
    if step.is_key_accounts_only:
        whens.append(When(Q(is_key_account=False), then=Value("not_key_account")))
    for name, condition in segments.exclusion_conditions(channel=step.channel, include_lost=step.campaign.include_lost,
                                                         now=now):
        if name == "frequency_cap":
            # The same cap, counted for this step's customers only: their touchpoints through the customer index,
            # not every contact of the whole base (measured: bench/bench_sequences.py).
            condition = segments.frequency_capped_q(channel=step.channel, now=now,
                                                    among=targets.values("customer_id"))
        whens.append(When(condition, then=Value(name)))
    return Case(*whens, default=Value(""), output_field=CharField()) if whens else Value("")


def _execute_step(step, today, now):
    """Write the step's executions for its due targets (one INSERT … SELECT); returns (written, deferred)."""
    targets = _targets_of_step(step, today)
    rows = (Customer.objects.filter(Exists(targets.filter(customer_id=OuterRef("pk"))))
            .annotate(x_skip=_skip_reason(step, targets, now),
                      x_target=Subquery(targets.filter(customer_id=OuterRef("pk")).values("pk")[:1]),
                      x_customer=F("pk"), x_rep=F("assigned_rep_id"), x_priority=F("dormancy__priority_score"))
            .order_by().values_list("x_target", "x_customer", "x_skip", "x_rep", "x_priority"))
    select_sql, params = rows.query.sql_with_params()
    d = sql.date_param()
    execution = sql.table(StepExecution)
    source, where = f"({select_sql}) s", "1 = 1"  # WHERE 1 = 1: SQLite tells ON CONFLICT from a join's ON by it
    capacity = step.weekly_capacity_per_rep if step.channel in CAPACITY_CHANNELS else None
    if capacity:
        week_start = today - datetime.timedelta(days=today.weekday())
        customer = sql.table(Customer)
        # Each rep's customers ranked by priority (skipped rows rank apart: they use no capacity), after the tasks
        # this step already gave the rep this week.
        source = (
            f"(SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.x_rep, s.x_skip "
            f"ORDER BY COALESCE(s.x_priority, -1) DESC, s.x_customer) AS x_rank FROM ({select_sql}) s) s "
            f"LEFT JOIN (SELECT c.assigned_rep_id AS rep, COUNT(*) AS n FROM {execution} e "
            f"JOIN {customer} c ON c.id = e.customer_id WHERE e.step_id = %s AND e.state <> %s AND e.due_on >= {d} "
            f"GROUP BY c.assigned_rep_id) u ON NOT {sql.is_distinct('u.rep', 's.x_rep')}")
        params = (*params, step.pk, StepExecution.State.SKIPPED.value, week_start)
        where = "(s.x_skip <> '' OR s.x_rank + COALESCE(u.n, 0) <= %s)"
        params = (*params, capacity)
    written = sql.execute(
        f"INSERT INTO {execution} (step_id, campaign_id, target_id, customer_id, round, due_on, state, skip_reason, "
        f"created_at) SELECT %s, %s, s.x_target, s.x_customer, tr.round, {d}, "
        f"CASE WHEN s.x_skip = '' THEN %s ELSE %s END, s.x_skip, %s FROM {source} "
        # The execution's round is its target's (one active target per campaign and customer).
        f"JOIN {sql.table(CampaignTarget)} tr ON tr.id = s.x_target WHERE {where} "
        f"ON CONFLICT (step_id, customer_id, round) DO NOTHING",
        (step.pk, step.campaign_id, today, StepExecution.State.DUE.value, StepExecution.State.SKIPPED.value, now,
         *params))
    if written > ANALYZE_AFTER and sql.is_postgres():
        # The deferral below and _advance look these rows up (NOT EXISTS / EXISTS by step and customer). Written in
        # this transaction, they are invisible to autovacuum: a planner that believes the step has one execution
        # loops over all of them for each target (measured: 20 s for 22,000 call targets instead of 0.1 s,
        # bench/bench_sequences.py).
        sql.execute(f"ANALYZE {execution}")
    deferred = 0
    if capacity:
        # Over this week's capacity: no execution; the step waits for next Monday.
        next_monday = today + datetime.timedelta(days=7 - today.weekday())
        waiting = targets.exclude(Exists(_execution_of_round(step)))
        deferred = CampaignTarget.objects.filter(pk__in=waiting.values("pk")).update(next_step_on=next_monday)
    return written, deferred


def _execution_of_round(step):
    """For a CampaignTarget subquery row: the step's execution of his round."""
    return StepExecution.objects.filter(step=step, customer_id=OuterRef("customer_id"), round=OuterRef("round"))


def _advance(step, today):
    """Targets of the step that have its execution move on to the next step (or complete the sequence: returns how
    many completed)."""
    executed = _targets_of_step(step, today).filter(Exists(_execution_of_round(step)))
    following = (CampaignStep.objects.filter(campaign_id=step.campaign_id, position__gt=step.position)
                 .order_by("position").first())
    targets = CampaignTarget.objects.filter(pk__in=executed.values("pk"))
    if following is None:
        return targets.update(last_step_position=step.position, next_step_on=None, sequence_state=COMPLETED)
    targets.update(last_step_position=step.position, next_step_on=today + datetime.timedelta(days=following.wait_days))
    return 0


def hand_over(now):
    """Give every step's DUE executions to its channel's handler (a channel without one keeps them waiting)."""
    handed = {}
    step_ids = (StepExecution.objects.filter(state=StepExecution.State.DUE, campaign__state=Campaign.State.LAUNCHED)
                .values_list("step_id", flat=True).distinct())
    for step in CampaignStep.objects.filter(pk__in=list(step_ids)).select_related("campaign").order_by("pk"):
        handler = channels.channel_handler(step.channel)
        if handler is None:
            continue
        due = StepExecution.objects.filter(step=step, state=StepExecution.State.DUE)
        handed[step.channel] = handed.get(step.channel, 0) + (handler(step=step, executions=due, now=now) or 0)
    return handed


def _lock():
    if sql.is_postgres():
        sql.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCK)


def sequences_advance(*, today=None, now=None):
    """Move every running sequence on (see the module's docstring). Safe to run twice, and concurrently."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    counts = {"left": {}, "executions": 0, "deferred": 0, "completed": 0, "handed_over": {}}
    with transaction.atomic():
        _lock()
        counts["left"] = _leave(today, now)
        for _pass in range(MAX_PASSES):
            due = _due_targets(today)
            # A target past its last step (steps removed from a running playbook) is done.
            counts["completed"] += CampaignTarget.objects.filter(
                pk__in=due.annotate(x_next=_next_step_id()).filter(x_next__isnull=True).values("pk")).update(
                sequence_state=COMPLETED, next_step_on=None)
            step_ids = list(due.annotate(x_next=_next_step_id()).order_by().values_list("x_next", flat=True)
                            .distinct())
            steps = list(CampaignStep.objects.filter(pk__in=step_ids).select_related("campaign")
                         .order_by("campaign_id", "position"))
            if not steps:
                break
            for step in steps:
                written, deferred = _execute_step(step, today, now)
                counts["executions"] += written
                counts["deferred"] += deferred
            for channel, n in hand_over(now).items():
                counts["handed_over"][channel] = counts["handed_over"].get(channel, 0) + n
            for step in steps:
                counts["completed"] += _advance(step, today)
    return counts
