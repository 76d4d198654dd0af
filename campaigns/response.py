"""What a campaign changed: per step and in total, against its control group.

    campaign_response(campaign, today=…) -> {"rows": [Row…], "excluded_at_launch": {reason: n}, "window": days}

Per row: targeted, contacted, skipped by reason (at execution time; the launch's exclusions are kept in
launch_counts), clicked, coupons redeemed, responded — bought within `response_window_days` AFTER the contact day
(the purchase days contact_on+1 … contact_on+window) —, revenue from those purchases, response rate (responded /
contacted; the control group: responded / held back) and frequency: purchase days per customer and year in the
12 months up to the contact day against the 12 months after it (the part that has passed, scaled to a year).

The control group was never contacted: it is measured from its targets' due date, the day it would have been.
The campaign's total row measures each enrolment once, from its first contact.

Rounds: a playbook enrols a customer again when he went quiet again after his previous round (campaigns.playbooks),
and each round is an enrolment of its own. Everything is counted per (customer, round): a customer in rounds 1 and
2 is two targets, up to two contacts per step (one per round) and two measurements, each from its own contact day
(or due date) — whether he bought within the window after round 2's letter says nothing about round 1's. Clicks
count the messages clicked (one per step and round). Ordinary campaigns have one round, so for them an enrolment
is a customer.

Each figure is one set-based statement over the contacted (or held-back) customers joined to their purchases in
the two years around the start day; nothing loops over customers in Python.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import io
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Min, OuterRef, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import sql
from customers.models import Purchase
from customers.tabular import write_csv

from .models import CampaignContact, CampaignTarget, Coupon, EmailClick, OutboxMessage, StepExecution
from .sequences import SKIP_REASONS

YEAR = 365


@dataclass
class Row:
    key: str  # "step-<id>", "total" or "control"
    label: str
    targeted: int = 0
    contacted: int = 0
    skipped: dict = field(default_factory=dict)
    clicked: int = 0
    coupons_redeemed: int = 0
    responded: int = 0
    revenue: int = 0
    frequency_before: float | None = None
    frequency_after: float | None = None
    base: int = 0  # the denominator of the response rate: contacted, or held back for the control group

    @property
    def response_rate(self):
        return round(self.responded / self.base, 4) if self.base else None

    @property
    def frequency_change(self):
        if self.frequency_before is None or self.frequency_after is None:
            return None
        return round(self.frequency_after - self.frequency_before, 2)

    @property
    def skipped_rows(self):
        return [(reason, SKIP_REASONS.get(reason, reason), n) for reason, n in sorted(self.skipped.items())]


def _measure(base, *, window, today):
    """{group: (enrolments, responded, revenue, purchase days before, after, days elapsed after)} for a base
    queryset of values_list(x_grp, x_customer, x_round, x_start): one measurement per customer and round."""
    base_sql, params = base.query.sql_with_params()
    d = sql.date_param()
    start = "b.x_start"
    in_window = f"p.purchased_on > {start} AND p.purchased_on <= {sql.add_days(start, int(window))}"
    before = f"p.purchased_on > {sql.add_days(start, -YEAR)} AND p.purchased_on <= {start}"
    after = f"p.purchased_on > {start} AND p.purchased_on <= {sql.add_days(start, YEAR)} AND p.purchased_on <= {d}"
    elapsed = sql.days_between(d, start)
    rows = sql.fetch_all(
        f"SELECT m.x_grp, COUNT(*), SUM(m.bought), SUM(m.amount), SUM(m.before_days), SUM(m.after_days), "
        f"SUM(m.elapsed) FROM ("
        f"SELECT b.x_grp, b.x_customer, b.x_round, MAX(CASE WHEN {in_window} THEN 1 ELSE 0 END) AS bought, "
        f"SUM(CASE WHEN {in_window} THEN p.amount ELSE 0 END) AS amount, "
        f"COUNT(DISTINCT CASE WHEN {before} THEN p.purchased_on END) AS before_days, "
        f"COUNT(DISTINCT CASE WHEN {after} THEN p.purchased_on END) AS after_days, "
        f"MAX(CASE WHEN {elapsed} > {YEAR} THEN {YEAR} WHEN {elapsed} < 0 THEN 0 ELSE {elapsed} END) AS elapsed "
        f"FROM ({base_sql}) b LEFT JOIN {sql.table(Purchase)} p ON p.customer_id = b.x_customer "
        f"AND p.purchased_on > {sql.add_days(start, -YEAR)} AND p.purchased_on <= {sql.add_days(start, YEAR)} "
        f"GROUP BY b.x_grp, b.x_customer, b.x_round) m GROUP BY m.x_grp",
        (today, today, today, today, *params))
    return {str(grp): rest for grp, *rest in rows}


def _fill(row, measured):
    if measured is None:
        return
    n, bought, amount, before_days, after_days, elapsed = measured
    row.responded, row.revenue = int(bought or 0), int(amount or 0)
    row.frequency_before = float(before_days or 0) / n if n else None
    row.frequency_after = float(after_days or 0) * YEAR / float(elapsed) if elapsed else None


def campaign_response(campaign, *, today=None):
    today = today or timezone.localdate()
    window = campaign.response_window_days
    steps = list(campaign.steps.order_by("position"))
    contacts = CampaignContact.objects.filter(campaign=campaign)
    targets = CampaignTarget.objects.filter(campaign=campaign)

    columns = ("x_grp", "x_customer", "x_round", "x_start")
    per_step = contacts.annotate(x_grp=F("step_id"), x_customer=F("customer_id"), x_round=F("round"),
                                 x_start=TruncDate("created_at")).values_list(*columns)
    first = (contacts.values("customer_id", "round").annotate(x_start=Min(TruncDate("created_at")))
             .annotate(x_grp=Value("total"), x_customer=F("customer_id"), x_round=F("round")).values_list(*columns))
    control = (targets.filter(in_control_group=True)
               .annotate(x_grp=Value("control"), x_customer=F("customer_id"), x_round=F("round"), x_start=F("due_on"))
               .values_list(*columns))
    measured = {**_measure(per_step, window=window, today=today), **_measure(first, window=window, today=today),
                **_measure(control, window=window, today=today)}

    # One contact per step, customer and round (the unique key): a row is an enrolment reached.
    contacted = dict(contacts.values("step_id").annotate(n=Count("pk")).values_list("step_id", "n"))
    executions = dict(StepExecution.objects.filter(campaign=campaign).values("step_id").annotate(n=Count("pk"))
                      .values_list("step_id", "n"))
    skipped = {}
    for step_id, reason, n in (StepExecution.objects.filter(campaign=campaign, state=StepExecution.State.SKIPPED)
                               .values("step_id", "skip_reason").annotate(n=Count("pk"))
                               .values_list("step_id", "skip_reason", "n")):
        skipped.setdefault(step_id, {})[reason] = n
    # Messages with a click: one per step, customer and round.
    clicked_messages = OutboxMessage.objects.filter(campaign=campaign).filter(
        Exists(EmailClick.objects.filter(message_id=OuterRef("pk"))))
    clicked = dict(clicked_messages.values("step_id").annotate(n=Count("pk")).values_list("step_id", "n"))
    redeemed = Coupon.objects.filter(campaign=campaign, state=Coupon.State.REDEEMED)
    coupons = dict(redeemed.values("step_id").annotate(n=Count("pk")).values_list("step_id", "n"))

    rows = []
    for step in steps:
        row = Row(key=f"step-{step.pk}", label=_("Step %(n)d: %(channel)s") % {
            "n": step.position, "channel": step.get_channel_display()},
            targeted=executions.get(step.pk, 0), contacted=contacted.get(step.pk, 0),
            skipped=skipped.get(step.pk, {}), clicked=clicked.get(step.pk, 0),
            coupons_redeemed=coupons.get(step.pk, 0))
        row.base = row.contacted
        _fill(row, measured.get(str(step.pk)))
        rows.append(row)
    total_skipped = {}
    for by_reason in skipped.values():
        for reason, n in by_reason.items():
            total_skipped[reason] = total_skipped.get(reason, 0) + n
    total = Row(key="total", label=_("Campaign"), targeted=targets.filter(in_control_group=False).count(),
                contacted=contacts.values("customer_id", "round").distinct().count(), skipped=total_skipped,
                clicked=clicked_messages.values("customer_id", "round").distinct().count(),
                coupons_redeemed=redeemed.count())
    total.base = total.contacted
    _fill(total, measured.get("total"))
    rows.append(total)
    held_back = targets.filter(in_control_group=True).count()
    if held_back:
        row = Row(key="control", label=_("Control group (not contacted)"), targeted=held_back, base=held_back)
        _fill(row, measured.get("control"))
        rows.append(row)
    return {"rows": rows, "excluded_at_launch": (campaign.launch_counts or {}).get("excluded", {}), "window": window}


CSV_HEADER = ("row", "targeted", "contacted", "skipped", "clicked", "coupons_redeemed", "responded", "response_rate",
              "revenue_yen", "purchase_days_per_year_before", "purchase_days_per_year_after", "frequency_change")


def response_csv(campaign, *, today=None):
    """The figures as CSV bytes (UTF-8 with BOM, cells safe from formula injection: customers.tabular)."""
    figures = campaign_response(campaign, today=today)
    def rounded(value):
        return None if value is None else round(value, 2)

    rows = ([r.label, r.targeted, r.contacted, sum(r.skipped.values()), r.clicked, r.coupons_redeemed, r.responded,
             r.response_rate, r.revenue, rounded(r.frequency_before), rounded(r.frequency_after), r.frequency_change]
            for r in figures["rows"])
    stream = io.BytesIO()
    write_csv(stream, CSV_HEADER, rows)
    return stream.getvalue()
