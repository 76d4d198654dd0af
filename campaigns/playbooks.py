"""Reactivation playbooks: per dormancy reason, the campaign the nightly pipeline enrols newly dormant customers into.

A playbook is a Campaign of kind "playbook" (launched, so the sequence engine runs it) with its steps:

- product dissatisfaction → an e-mail on the product's benefits and customers' cases; no click in 14 days → a
  letter asking for the customer's opinion (the feedback link, campaigns.feedback); no purchase in 21 days → a call
  for key accounts;
- price → an e-mail with a plan that fits the budget; no click in 14 days → a letter with a personal coupon; no
  purchase in 21 days → a call for key accounts;
- change on the customer's side → a letter with other products for the new situation; no purchase in 21 days → a
  call that sells nothing (how are you doing?).

`playbooks_default_create(by=…)` writes the missing ones (a manager's button on the playbooks page, or the demo's
seed); managers then edit their steps and texts. Nothing creates them behind the manager's back: the nightly step
only enrols into playbooks that exist.

`playbook_enrol(run=…, as_of=…)`: the customers whose status became dormant or at-risk in this scan run
(StatusChange rows with scan_run = run) go into the playbook of their reason — the confirmed reason (what the
customer told us) over the inferred one; an unknown or other reason takes the product playbook, whose feedback
request asks why; a customer who moved or closed is not enrolled. One INSERT … SELECT ordered by priority.

Rounds. An enrolment is a round of the playbook for the customer (CampaignTarget.round: 1, 2, …). A customer who
is running a round of any playbook (an active target) is left in it. A customer with an earlier round of this
playbook gets the next round when that round has ended (left or completed), was enrolled by an earlier scan (its
due_on, the day of the scan that enrolled him, is before as_of) and he bought since it began (purchases on or
after that day): he came back and went quiet again. Without a purchase, an ended round is not repeated (a
customer at risk whose round found no answer is not enrolled again when he turns dormant). A control-group round
is never "left" by the sequence engine (nothing is due for it), so it ends here: when its customer is enrolled
again (he bought, then went quiet), it is marked left, bought again.

Idempotent: every condition reads only rows of earlier scans, and ON CONFLICT DO NOTHING over the unique
(campaign, customer, round) and the one-active-round constraint keeps a rerun, or a concurrent run, from enrolling
anybody twice. The per-step rows of a round (executions, outbox, letters, contacts, coupons, feedback) carry the
round in their unique keys, so round 2 runs every step again, each once.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import sql
from crm.dormancy.models import ConfirmedReason, CustomerDormancy, DormancyReason, DormancyStatus, StatusChange
from crm.permissions import require
from customers.models import Customer, Purchase

from . import services
from .models import Campaign, CampaignStep, CampaignTarget

ACTION = "campaigns.manage"
PLAYBOOK_REASONS = (DormancyReason.PRODUCT, DormancyReason.PRICE, DormancyReason.CUSTOMER_SIDE)
FALLBACK_REASON = DormancyReason.PRODUCT
# Confirmed reasons that end the relationship: nobody to win back.
NOT_ENROLLED = (ConfirmedReason.Reason.MOVED, ConfirmedReason.Reason.CLOSED)
ENROLLED_STATUSES = (DormancyStatus.DORMANT, DormancyStatus.AT_RISK)
CONTROL_SHARE = 10
CALL_CAPACITY = 40


def _default_steps():
    """{reason: (name, [step fields])}: translated when created, in the manager's language."""
    email, dm, phone = Campaign.Channel.EMAIL, Campaign.Channel.DM, Campaign.Channel.PHONE
    always, no_click, no_purchase = (CampaignStep.Condition.ALWAYS, CampaignStep.Condition.NO_CLICK,
                                     CampaignStep.Condition.NO_PURCHASE)
    call_back = _("Call the customer: listen first, then follow up on what they said.")
    return {
        DormancyReason.PRODUCT: (_("Playbook: product dissatisfaction"), [
            {"channel": email, "wait_days": 0, "condition": always, "subject": _("How our customers use it today"),
                 "body": _("{{ addressee }}\n\nHere is what has changed in our products, with examples from "
                        "customers like you.\n\n{{ sender_company }}")},
            {"channel": dm, "wait_days": 14, "condition": no_click, "subject": _("May we ask your opinion?"),
                 "body": _("{{ addressee }}\n\nWe would value your honest opinion of our products. It takes "
                        "one minute: {{ feedback_url }}\n\n{{ sender_company }}")},
            {"channel": phone, "wait_days": 21, "condition": no_purchase, "is_key_accounts_only": True,
                 "weekly_capacity_per_rep": CALL_CAPACITY, "subject": _("Call about the product"), "body": call_back},
        ]),
        DormancyReason.PRICE: (_("Playbook: price"), [
            {"channel": email, "wait_days": 0, "condition": always, "subject": _("A plan that fits your budget"),
                 "body": _("{{ addressee }}\n\nWe have plans for every budget; here is the one we would "
                        "suggest for you.\n\n{{ sender_company }}")},
            {"channel": dm, "wait_days": 14, "condition": no_click, "subject": _("A coupon for you"),
                 "body": _("{{ addressee }}\n\nWith this personal coupon your next order costs less: "
                        "{{ coupon_code }}\n\n{{ sender_company }}")},
            {"channel": phone, "wait_days": 21, "condition": no_purchase, "is_key_accounts_only": True,
                 "weekly_capacity_per_rep": CALL_CAPACITY, "subject": _("Call about the plan"), "body": call_back},
        ]),
        DormancyReason.CUSTOMER_SIDE: (_("Playbook: change on the customer's side"), [
            {"channel": dm, "wait_days": 0, "condition": always, "subject": _("Products for what you do now"),
                 "body": _("{{ addressee }}\n\nThings change; these products may fit what you do today."
                        "\n\n{{ sender_company }}")},
            {"channel": phone, "wait_days": 21, "condition": no_purchase, "weekly_capacity_per_rep": CALL_CAPACITY,
                 "subject": _("A call that sells nothing"),
                 "body": _("Ask how the customer is doing and what has changed. Do not sell.")},
        ]),
    }


def playbook_for(reason):
    """The running playbook of a reason (the oldest if there are several), or None."""
    return (Campaign.objects.filter(kind=Campaign.Kind.PLAYBOOK, playbook_reason=reason,
                                    state=Campaign.State.LAUNCHED).order_by("pk").first())


@transaction.atomic
def playbooks_default_create(*, by, today=None):
    """Create the default playbook of every reason that has none; returns those created."""
    require(by, ACTION)
    today = today or timezone.localdate()
    created = []
    for reason, (name, steps) in _default_steps().items():
        if Campaign.objects.filter(kind=Campaign.Kind.PLAYBOOK, playbook_reason=reason).exists():
            continue
        playbook = Campaign.objects.create(
            name=name, kind=Campaign.Kind.PLAYBOOK, playbook_reason=reason, starts_on=today,
            ends_on=services.years_later(today, 10),
            approach=Campaign.Approach.EVERYONE, channel=steps[0]["channel"], control_share_percent=CONTROL_SHARE,
            state=Campaign.State.LAUNCHED, launched_at=timezone.now(), launched_by=by, created_by=by)
        CampaignStep.objects.bulk_create(CampaignStep(campaign=playbook, position=i, **fields)
                                         for i, fields in enumerate(steps, start=1))
        created.append(playbook)
    return created


def _reason_sql():
    """The playbook reason of a customer: the confirmed one over the inferred one; NULL: not enrolled."""
    kept = ", ".join(f"'{r.value}'" for r in PLAYBOOK_REASONS)
    ended = ", ".join(f"'{r.value}'" for r in NOT_ENROLLED)
    reason = "COALESCE(cr.reason, d.reason, '')"
    return (f"CASE WHEN {reason} IN ({kept}) THEN {reason} WHEN {reason} IN ({ended}) THEN NULL "
            f"ELSE '{FALLBACK_REASON.value}' END")


def _bought_since(alias, d):
    """SQL: the target `alias`'s customer bought on or after its due day (for a playbook: the enrolment's scan day)."""
    return (f"EXISTS (SELECT 1 FROM {sql.table(Purchase)} pu WHERE pu.customer_id = {alias}.customer_id "
            f"AND pu.purchased_on >= {alias}.due_on AND pu.purchased_on <= {d})")


def _control_rounds_end(*, run, as_of, now):
    """Control-group rounds of playbooks whose customer bought since and went quiet again in `run`: left (bought
    again), so that he can be enrolled anew. Only customers of this run's changes, only rounds of earlier scans."""
    target, campaign, change = sql.table(CampaignTarget), sql.table(Campaign), sql.table(StatusChange)
    d = sql.date_param()
    statuses = ", ".join(f"'{s.value}'" for s in ENROLLED_STATUSES)
    true = "true" if sql.is_postgres() else "1"
    return sql.execute(
        f"UPDATE {target} SET sequence_state = %s, left_reason = %s, left_at = %s, next_step_on = NULL "
        f"WHERE in_control_group = {true} AND sequence_state = %s AND due_on < {d} "
        f"AND campaign_id IN (SELECT id FROM {campaign} WHERE kind = %s) "
        f"AND EXISTS (SELECT 1 FROM {change} sc WHERE sc.customer_id = {target}.customer_id "
        f"AND sc.scan_run_id = %s AND sc.to_status IN ({statuses})) AND {_bought_since(target, d)}",
        (CampaignTarget.SequenceState.LEFT.value, CampaignTarget.LeftReason.PURCHASED.value, now,
         CampaignTarget.SequenceState.ACTIVE.value, as_of, Campaign.Kind.PLAYBOOK.value, run.pk, as_of))


def playbook_enrol(*, run, as_of, now=None):
    """Enrol the customers who became dormant or at-risk in `run` into their reason's playbook, in a new round when
    an earlier one has ended (see the module's docstring); returns how many were enrolled."""
    now = now or timezone.now()
    if not Campaign.objects.filter(kind=Campaign.Kind.PLAYBOOK, state=Campaign.State.LAUNCHED).exists():
        return 0
    _control_rounds_end(run=run, as_of=as_of, now=now)
    target, campaign, step = sql.table(CampaignTarget), sql.table(Campaign), sql.table(CampaignStep)
    d = sql.date_param()
    a, b, c, p = services._HASH_A, services._HASH_B, services._HASH_C, services._HASH_PRIME
    # services.control_bucket in SQL (%% is the modulo: the statement has parameters).
    bucket = f"(((sc.customer_id * {a}) %% {p}) * {b} + (pb.id * {c}) %% {p}) %% {p} %% 100"
    in_control = f"(pb.control_share_percent > 0 AND {bucket} < pb.control_share_percent)"
    first_wait = f"COALESCE((SELECT fs.wait_days FROM {step} fs WHERE fs.campaign_id = pb.id ORDER BY fs.position LIMIT 1), 0)"
    playbook_of_reason = (f"SELECT MIN(p2.id) FROM {campaign} p2 WHERE p2.kind = %s AND p2.state = %s "
                          f"AND p2.playbook_reason = {_reason_sql()}")
    statuses = ", ".join(f"'{s.value}'" for s in ENROLLED_STATUSES)
    false = "false" if sql.is_postgres() else "0"
    # The customer's latest round of the playbook, if any: the new one is the next.
    latest = (f"(SELECT MAX(t3.round) FROM {target} t3 WHERE t3.campaign_id = pb.id "
              f"AND t3.customer_id = sc.customer_id)")
    return sql.execute(
        f"INSERT INTO {target} (campaign_id, customer_id, round, in_control_group, due_on, sequence_state, "
        f"last_step_position, next_step_on, enrolled_at, left_reason) "
        f"SELECT pb.id, sc.customer_id, COALESCE(prev.round, 0) + 1, {in_control}, {d}, %s, 0, "
        f"CASE WHEN {in_control} THEN NULL ELSE {sql.add_days(d, first_wait)} END, %s, '' "
        f"FROM {sql.table(StatusChange)} sc "
        f"JOIN {sql.table(Customer)} cu ON cu.id = sc.customer_id "
        f"JOIN {sql.table(CustomerDormancy)} d ON d.customer_id = sc.customer_id "
        f"LEFT JOIN {sql.table(ConfirmedReason)} cr ON cr.customer_id = sc.customer_id "
        f"JOIN {campaign} pb ON pb.id = ({playbook_of_reason}) "
        f"LEFT JOIN {target} prev ON prev.campaign_id = pb.id AND prev.customer_id = sc.customer_id "
        f"AND prev.round = {latest} "
        f"WHERE sc.scan_run_id = %s AND sc.to_status IN ({statuses}) AND cu.merged_into_id IS NULL "
        f"AND cu.lifecycle <> %s AND d.is_excluded = {false} "
        f"AND NOT EXISTS (SELECT 1 FROM {target} t2 JOIN {campaign} c2 ON c2.id = t2.campaign_id "
        f"WHERE t2.customer_id = sc.customer_id AND c2.kind = %s AND t2.sequence_state = %s) "
        # A later round: the previous one (ended: no active target above) began in an earlier scan, and the
        # customer bought since.
        f"AND (prev.id IS NULL OR (prev.due_on < {d} AND {_bought_since('prev', d)})) "
        f"ORDER BY COALESCE(d.priority_score, -1) DESC, sc.customer_id "
        # No conflict target: both the round key and the one-active-round key turn a repeat into nothing.
        f"ON CONFLICT DO NOTHING",
        (as_of, CampaignTarget.SequenceState.ACTIVE.value, as_of, now,
         Campaign.Kind.PLAYBOOK.value, Campaign.State.LAUNCHED.value,
         run.pk, Customer.Lifecycle.RETIRED.value,
         Campaign.Kind.PLAYBOOK.value, CampaignTarget.SequenceState.ACTIVE.value, as_of, as_of))
