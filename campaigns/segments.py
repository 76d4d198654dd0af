"""The segment engine: a saved filter (JSON) → one query over customers, with the exclusions every contact obeys.

Filters (version 1 of `Segment.filters`; every key optional, an empty dict is everyone):

    statuses [str]      dormancy status (crm.choices.DormancyStatus)        reasons [str]   dormancy reason (confirmed
                                                                            over inferred)
    priority_min/max    priority score 0–100                                reps [int]      assigned rep ids
    tags [int]          any of these tags                                   industries [str], prefectures [str]
    fiscal_months [int] fiscal year-end month                               products [int], categories [str]
    product_mode        "bought" (default) or "never" for products/categories
    last_purchase_from/to  ISO dates                                        spend_min/max   past spend (yen)
    next_purchase_within_days  next expected purchase between today and today + N days

Exclusions, always applied, each customer counted under the first that holds (EXCLUSION_REASONS order): merged
into another record, retired, no address for the channel, opted out (consent withdrawn), no consent for the
channel, lost (unless the campaign asks for them), contacted through the channel up to the frequency cap
(customers.Touchpoint rows of that channel in the last 30 / 180 days, whatever made them).

Everything is one SQL statement per question (count by reason, a page of rows, the INSERT … SELECT of a launch);
nothing loops over customers in Python.
"""
# ruff: noqa: S608, S611 - the counts' SQL and the cap's RawSQL wrap a queryset's own SQL in fixed fragments; values
# are always parameters.
import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, Count, DateTimeField, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.choices import DormancyStatus
from crm.dormancy.models import LISTED_STATUSES, ConfirmedReason, CustomerDormancy
from customers.models import Customer, CustomerPurchaseSummary, Purchase, Touchpoint

from . import caps
from .models import TOUCHPOINT_CHANNEL, Campaign, ContactCap, ContactPolicy, EmailClick, StepExecution

FILTERS_VERSION = 1
SAMPLE_SIZE = 20
# How many customers of highest priority the preview's sample looks at, first the fewer (Audience.sample).
SAMPLE_WALKS = (400, 4000)
SAMPLE_FEW = 5000  # up to this many selected, the sample checks the cap customer by customer
PENDING_STATES = (StepExecution.State.DUE, StepExecution.State.HANDED_OVER)
# The frequency cap's `pk IN (subquery)` is hashed only when the capped customers fit in work_mem; past that
# PostgreSQL runs the subquery again for every customer (minutes at 1,000,000 customers with 100,000 capped:
# bench/bench_segments.py). A preview gets this much, for its transaction only.
PREVIEW_WORK_MEM = "128MB"
# What the planner charges per row handed from a parallel worker to the leader (default 0.1); see roomy_read.
PREVIEW_PARALLEL_TUPLE_COST = "0.01"

EXCLUSION_REASONS = {
    "merged": _("Merged into another record"),
    "retired": _("Retired"),
    "no_address": _("No address for this channel"),
    "opted_out": _("Opted out"),
    "no_consent": _("No consent for this channel"),
    "lost": _("Lost customer"),
    "frequency_cap": _("Contacted too often through this channel"),
}

# channel -> (consent flag, when it last changed, the address the channel needs or None)
CHANNEL_CONSENT = {
    Campaign.Channel.EMAIL: ("has_email_consent", "email_consent_changed_at", "email"),
    Campaign.Channel.DM: ("has_dm_consent", "dm_consent_changed_at", "address"),
    Campaign.Channel.PHONE: ("has_phone_consent", "phone_consent_changed_at", "phone"),
    Campaign.Channel.VISIT: (None, None, None),  # a rep's visit needs no marketing consent
}


def _as_date(value):
    if not value:
        return None
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def filter_customers(filters, *, today=None):
    """Customers matching a segment's filters (no exclusions): a QuerySet, never evaluated here."""
    f = filters or {}
    today = today or timezone.localdate()
    qs = Customer.objects.all()
    # The verdict's and the summary's filters each as one `pk IN (ids)`: the ids are read (from an index where one
    # fits) and hashed once, instead of joining every customer to his verdict and his summary.
    verdict = Q()
    if f.get("statuses"):
        verdict &= Q(status__in=f["statuses"])
    if f.get("priority_min") not in (None, ""):
        verdict &= Q(priority_score__gte=float(f["priority_min"]))
    if f.get("priority_max") not in (None, ""):
        verdict &= Q(priority_score__lte=float(f["priority_max"]))
    if f.get("next_purchase_within_days") not in (None, ""):
        horizon = today + datetime.timedelta(days=int(f["next_purchase_within_days"]))
        verdict &= Q(next_expected_purchase_on__range=(today, horizon))
    if verdict:
        qs = qs.filter(pk__in=CustomerDormancy.objects.filter(verdict).values("customer_id"))
    if f.get("reasons"):
        # What the customer told us (crm.dormancy ConfirmedReason) overrides what the scan inferred.
        confirmed = ConfirmedReason.objects.values("customer_id")
        qs = qs.filter(Q(pk__in=confirmed.filter(reason__in=f["reasons"]))
                       | (~Q(pk__in=confirmed) & Q(pk__in=CustomerDormancy.objects.filter(
                           reason__in=f["reasons"]).values("customer_id"))))
    if f.get("reps"):
        qs = qs.filter(assigned_rep_id__in=f["reps"])
    if f.get("tags"):
        # EXISTS, not a join: a customer with two of the tags is still one customer.
        qs = qs.filter(Exists(Customer.tags.through.objects.filter(customer_id=OuterRef("pk"), tag_id__in=f["tags"])))
    if f.get("industries"):
        qs = qs.filter(industry__in=f["industries"])
    if f.get("prefectures"):
        qs = qs.filter(prefecture__in=f["prefectures"])
    if f.get("fiscal_months"):
        qs = qs.filter(fiscal_year_end_month__in=[int(m) for m in f["fiscal_months"]])
    if f.get("products") or f.get("categories"):
        bought = Q()
        if f.get("products"):
            bought |= Q(product_id__in=f["products"])
        if f.get("categories"):
            bought |= Q(product__category__in=f["categories"])
        purchased = Exists(Purchase.objects.filter(bought, customer_id=OuterRef("pk")))
        qs = qs.filter(~purchased if f.get("product_mode") == "never" else purchased)
    summary = Q()
    if f.get("last_purchase_from"):
        summary &= Q(last_purchase_on__gte=_as_date(f["last_purchase_from"]))
    if f.get("last_purchase_to"):
        summary &= Q(last_purchase_on__lte=_as_date(f["last_purchase_to"]))
    if f.get("spend_min") not in (None, ""):
        summary &= Q(total_amount__gte=int(f["spend_min"]))
    if f.get("spend_max") not in (None, ""):
        summary &= Q(total_amount__lte=int(f["spend_max"]))
    if summary:
        qs = qs.filter(pk__in=CustomerPurchaseSummary.objects.filter(summary).values("customer_id"))
    if f.get("clicked_campaigns") or f.get("clicked_within_days") not in (None, ""):
        # A click shows real interest: customers who clicked a link in the chosen campaigns' e-mails (any campaign
        # when none is chosen), within the last N days when given.
        clicks = EmailClick.objects.filter(customer_id=OuterRef("pk"))
        if f.get("clicked_campaigns"):
            clicks = clicks.filter(campaign_id__in=f["clicked_campaigns"])
        if f.get("clicked_within_days") not in (None, ""):
            since = today - datetime.timedelta(days=int(f["clicked_within_days"]))
            clicks = clicks.filter(clicked_at__date__gte=since)
        qs = qs.filter(Exists(clicks))
    return qs


def frequency_capped_row_q(*, channel, now=None, policy=None):
    """Customers with as many contacts through the channel as the cap allows (in the last 30 or 180 days), checked
    one customer at a time (counts through the touchpoints' and the executions' customer indexes): for a query that
    looks at a few customers — the preview's first rows, the customers with a pending contact — where counting
    every customer's contacts first would cost more than the whole answer. See frequency_capped_q."""
    now = now or timezone.now()
    policy = policy or ContactPolicy.current()
    since_30, since_180 = now - datetime.timedelta(days=30), now - datetime.timedelta(days=180)

    def counted(queryset):
        return Coalesce(Subquery(queryset.order_by().values("customer_id").annotate(n=Count("pk")).values("n")), 0)

    touchpoints = Touchpoint.objects.filter(customer_id=OuterRef("pk"), channel=TOUCHPOINT_CHANNEL[channel],
                                            occurred_at__lte=now)
    pending = counted(StepExecution.objects.filter(customer_id=OuterRef("pk"), step__channel=channel,
                                                   state__in=PENDING_STATES))
    in_30 = counted(touchpoints.filter(occurred_at__gt=since_30)) + pending
    in_180 = counted(touchpoints.filter(occurred_at__gt=since_180)) + pending
    return Q(GreaterThanOrEqual(in_30, policy.max_contacts_30d)) | Q(GreaterThanOrEqual(in_180,
                                                                                         policy.max_contacts_180d))


def _capped_among(*, channel, now, policy, among):
    """The customers of `among` (a queryset of customer ids) at the cap, counted from their contacts: their
    touchpoints of the channel in the last 180 days plus the channel's pending executions (as happening now), in
    one GROUP BY. Not correlated with the customer asking: PostgreSQL runs it once."""
    since_30, since_180 = now - datetime.timedelta(days=30), now - datetime.timedelta(days=180)
    touchpoints = (Touchpoint.objects.filter(customer_id__in=among, channel=TOUCHPOINT_CHANNEL[channel],
                                             occurred_at__gt=since_180, occurred_at__lte=now)
                   .order_by().values_list("customer_id", "occurred_at"))
    pending = (StepExecution.objects.filter(step__channel=channel, state__in=PENDING_STATES).order_by()
               .annotate(x_at=Value(now, output_field=DateTimeField())).values_list("customer_id", "x_at"))
    contacts_sql, params = touchpoints.union(pending, all=True).query.sql_with_params()
    return RawSQL(f"SELECT c.customer_id FROM ({contacts_sql}) c GROUP BY c.customer_id HAVING COUNT(*) >= %s "
                  f"OR SUM(CASE WHEN c.occurred_at > %s THEN 1 ELSE 0 END) >= %s",
                  (*params, policy.max_contacts_180d, since_30, policy.max_contacts_30d))


def frequency_capped_q(*, channel, now=None, policy=None, among=None):
    """Customers with as many contacts through the channel as the cap allows (in the last 30 or 180 days): one more
    would exceed it. A Q over customers; `among` (a subquery of customer ids) narrows it to those customers.

    A contact is a Touchpoint of the channel, or a step execution of the channel that is due or handed over but has
    not reached the customer yet (an e-mail in the outbox, a letter not yet posted, an open call task): counted as
    happening now, so that two campaigns stepping on the same night cannot both take a customer's last place.

    Read from the cap's last count (campaigns.caps) when there is one for this cap: the customers it found at the
    cap while still inside the window, plus the few with a pending contact, a contact written since the count or
    one dated after it, counted again from their contacts (_capped_among). Otherwise everyone's touchpoints are
    counted in one `GROUP BY … HAVING` subquery, and the customers with a pending contact again with it."""
    now = now or timezone.now()
    policy = policy or ContactPolicy.current()
    since_30, since_180 = now - datetime.timedelta(days=30), now - datetime.timedelta(days=180)
    touchpoint_channel = TOUCHPOINT_CHANNEL[channel]
    pending = StepExecution.objects.filter(step__channel=channel, state__in=PENDING_STATES).values("customer_id")
    if among is not None:
        pending = pending.filter(customer_id__in=among)
    count = caps.ready_count(policy=policy, now=now)
    if count is not None:
        kept = ContactCap.objects.filter(channel=touchpoint_channel)
        since = caps.contacted_since_count(count=count, channels=[touchpoint_channel])
        if among is not None:
            kept, since = kept.filter(customer_id__in=among), since.filter(customer_id__in=among)
        capped = kept.filter(Q(nth_30d_at__gt=since_30) | Q(nth_180d_at__gt=since_180)).values("customer_id")
        to_count = pending.union(since.order_by().values("customer_id"),
                                 kept.filter(recheck=True).values("customer_id"), all=True)
        return Q(pk__in=capped) | Q(pk__in=_capped_among(channel=channel, now=now, policy=policy, among=to_count))
    touchpoints = Touchpoint.objects.filter(channel=touchpoint_channel, occurred_at__gt=since_180,
                                            occurred_at__lte=now)
    if among is not None:
        touchpoints = touchpoints.filter(customer_id__in=among)
    by_touchpoints = (touchpoints.values("customer_id")
                      .annotate(n_180=Count("occurred_at"), n_30=Count("occurred_at", filter=Q(occurred_at__gt=since_30)))
                      .filter(Q(n_180__gte=policy.max_contacts_180d) | Q(n_30__gte=policy.max_contacts_30d))
                      .values("customer_id"))
    return Q(pk__in=by_touchpoints) | Q(pk__in=_capped_among(channel=channel, now=now, policy=policy,
                                                             among=pending))


def exclusion_conditions(*, channel, include_lost=False, now=None, policy=None):
    """[(reason, Q)] in EXCLUSION_REASONS order, for the channel."""
    consent, changed_at, address = CHANNEL_CONSENT[channel]
    conditions = [
        ("merged", Q(merged_into__isnull=False)),
        ("retired", Q(lifecycle=Customer.Lifecycle.RETIRED)),
    ]
    if address:
        conditions.append(("no_address", Q(**{address: ""})))
    if consent:
        # Consent withdrawn is recorded with its date; never given has none.
        conditions.append(("opted_out", Q(**{consent: False, f"{changed_at}__isnull": False})))
        conditions.append(("no_consent", Q(**{consent: False})))
    if not include_lost:
        # `pk IN (the lost verdicts)`, hashed once, not a join: without a filter on the verdicts, a join would hash
        # all of them (every customer has one) to find the lost few.
        conditions.append(("lost", Q(pk__in=CustomerDormancy.objects.filter(status=DormancyStatus.LOST)
                                     .values("customer_id"))))
    conditions.append(("frequency_cap", frequency_capped_q(channel=channel, now=now, policy=policy)))
    return conditions


@contextmanager
def roomy_read():
    """Run the enclosed reads with the preview's planner settings, for the enclosing transaction (or one of their
    own) only (PostgreSQL: set_config(…, is_local)); measured with bench/bench_segments.py:
    - work_mem PREVIEW_WORK_MEM: the exclusions' `pk IN (subquery)` sets stay hashed (see above);
    - enable_hashagg off: without a count of the cap (campaigns.caps: none yet, or the cap just changed) its GROUP
      BY streams over the touchpoints' (channel, customer_id, occurred_at) index in customer order instead of
      hashing 600,000 one-contact customers (0.8 s instead of 1.5 s); the counts are a plain aggregate
      (Audience.counts), so nothing else here wants a hash aggregate;
    - parallel_tuple_cost PREVIEW_PARALLEL_TUPLE_COST: a filter joined to the verdicts or the summaries (hundreds
      of thousands of rows on each side) then runs as a parallel hash join, each row's exclusions worked out in
      the workers; at the default the planner kept it serial (spend range 1.02 → 0.80 s, statuses 0.76 → 0.51 s
      at 1,000,000 customers, paired runs);
    - jit off: compiling the expressions cost 0.1–0.4 s per query and saved less than that."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true), set_config('enable_hashagg', 'off', true), "
                           "set_config('jit', 'off', true), set_config('parallel_tuple_cost', %s, true)",
                           [PREVIEW_WORK_MEM, PREVIEW_PARALLEL_TUPLE_COST])
        yield


@dataclass
class Audience:
    """Who a campaign (or a segment previewed for a channel) reaches: `matched` by the filters, `selected` after the
    exclusions. `row_cap`: the frequency cap checked one customer at a time, for the sample (Audience.sample)."""

    matched: object
    conditions: list = field(default_factory=list)
    row_cap: Q | None = None  # the frequency cap checked one customer at a time (frequency_capped_row_q)

    def _replaced(self, replacements):
        return [(name, replacements.get(name, condition)) for name, condition in self.conditions]

    @staticmethod
    def _any(conditions):
        excluded = Q()
        for _reason, condition in conditions:
            excluded |= condition
        return excluded

    def excluded_q(self):
        return self._any(self.conditions)

    @property
    def selected(self):
        return self.matched.exclude(self.excluded_q()) if self.conditions else self.matched

    def counts(self):
        """{"selected": n, "matched": n, "excluded": {reason: n}} in one pass over the matched customers: each gets
        its first exclusion reason (a CASE, evaluated once per row), then one plain aggregate counts them with a
        COUNT(*) FILTER per reason. Plain, not GROUP BY: the only hashing left is the cap's (see roomy_read)."""
        # The reason as its position (1, 2, …; 0 for none): the FILTERs then compare integers, not texts.
        reason = Case(*[When(condition, then=Value(position))
                        for position, (_name, condition) in enumerate(self.conditions, start=1)],
                      default=Value(0), output_field=IntegerField())
        rows_sql, params = self.matched.annotate(x_reason=reason).order_by().values("x_reason").query.sql_with_params()
        names = [name for name, _condition in self.conditions]
        columns = ", ".join(["COUNT(*)"] + [f"COUNT(*) FILTER (WHERE s.x_reason = {position})"
                                            for position in range(1, len(names) + 1)])
        # OFFSET 0 keeps the inner SELECT a subquery of its own, so the CASE (and the cap's hashed subplan in it) is
        # evaluated once per row rather than once per FILTER.
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM ({rows_sql}{fence}) s", params)
            matched, *per_reason = cursor.fetchone()
        by_reason = dict(zip(names, per_reason, strict=True))
        excluded = {name: by_reason[name] for name in EXCLUSION_REASONS if by_reason.get(name)}
        return {"selected": matched - sum(excluded.values()), "matched": matched, "excluded": excluded}

    def sample(self, size=SAMPLE_SIZE, *, selected_count=None):
        """The first selected rows by priority (highest first, none last), then code: what the preview shows.

        First short walks down the verdicts' priority index: the SAMPLE_WALKS highest-priority customers, each
        checked as it comes (the cap by his own contacts). When a walk yields the whole sample, above the walk's
        last priority, it is the answer, found among a few hundred customers instead of classifying them all
        (measured: bench/bench_segments.py). Otherwise (a narrow
        segment, customers without a priority) the selected customers are listed first and the sample sorted from
        them. `selected_count` 0 (from counts()) skips both."""
        if selected_count == 0:
            return []
        related = ("dormancy", "assigned_rep", "purchase_summary")
        ranked = (CustomerDormancy.objects.filter(status__in=LISTED_STATUSES, priority_score__isnull=False)
                  .order_by(F("priority_score").desc(), "customer_id"))
        # Along the walk the verdict is joined anyway: "lost" is read from it rather than hashing every lost id.
        walked = self.matched.exclude(self._any(self._replaced(
            {"frequency_cap": self.row_cap, "lost": Q(dormancy__status=DormancyStatus.LOST)})))
        for walk in SAMPLE_WALKS:
            # x_edge: the walk's last priority (None when fewer customers have one), computed once (an InitPlan).
            rows = list(walked.filter(pk__in=ranked.values("customer_id")[:walk]).select_related(*related)
                        .annotate(x_edge=Subquery(ranked.values("priority_score")[walk - 1:walk]))
                        .order_by(F("dormancy__priority_score").desc(), "code")[:size])
            if len(rows) == size and (rows[-1].x_edge is None or rows[-1].dormancy.priority_score > rows[-1].x_edge):
                return rows
            if rows and rows[-1].x_edge is None:  # the walk saw every customer with a priority: the rest have none
                break
        priority = Subquery(CustomerDormancy.objects.filter(customer_id=OuterRef("pk")).values("priority_score"))
        # A few selected customers: the cap is checked for them alone (those who pass every other exclusion),
        # cheaper than counting every customer's contacts.
        few = selected_count is not None and selected_count <= SAMPLE_FEW
        selected = self.matched.exclude(self._any(self._replaced({"frequency_cap": self.row_cap}) if few
                                                  else self.conditions))
        ids_sql, params = (selected.annotate(x_id=F("pk"), x_code=F("code"), x_priority=priority).order_by()
                           .values("x_id", "x_code", "x_priority").query.sql_with_params())
        # OFFSET 0: the selected customers first, then the sort (a plan walking an index in sample order would
        # look at every customer for a narrow segment).
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s.x_id FROM ({ids_sql}{fence}) s "
                           f"ORDER BY s.x_priority IS NULL, s.x_priority DESC, s.x_code LIMIT %s", (*params, size))
            ids = [row[0] for row in cursor.fetchall()]
        by_id = Customer.objects.select_related(*related).in_bulk(ids)
        return [by_id[pk] for pk in ids]


def audience(*, filters, channel, include_lost=False, now=None, policy=None):
    now = now or timezone.now()
    policy = policy or ContactPolicy.current()
    conditions = exclusion_conditions(channel=channel, include_lost=include_lost, now=now, policy=policy)
    return Audience(matched=filter_customers(filters, today=timezone.localdate(now)), conditions=conditions,
                    row_cap=frequency_capped_row_q(channel=channel, now=now, policy=policy))


def campaign_audience(campaign, *, now=None, policy=None):
    """The campaign's audience: everyone for the 'everyone' approach or without a segment, else its segment."""
    use_segment = campaign.approach != Campaign.Approach.EVERYONE and campaign.segment_id
    filters = campaign.segment.filters if use_segment else {}
    return audience(filters=filters, channel=campaign.channel, include_lost=campaign.include_lost, now=now,
                    policy=policy)


def preview(aud, *, size=SAMPLE_SIZE):
    """What a preview shows: counts by exclusion reason (with labels) and the first rows; two queries, one
    transaction (the same snapshot)."""
    with roomy_read():
        counts = aud.counts()
        counts["sample"] = aud.sample(size, selected_count=counts["selected"])
    counts["excluded_rows"] = [(name, EXCLUSION_REASONS[name], n) for name, n in counts["excluded"].items()]
    counts["excluded_total"] = sum(counts["excluded"].values())
    return counts
