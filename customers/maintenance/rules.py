"""Registration and retirement rules (登録・識別・改廃): configurable conditions that put records on the
maintainer's review list (a ReviewFlag), and the maintainer's decision on each flag (keep, or retire).

review_rules_evaluate() runs every active rule with one INSERT … SELECT each (a record already flagged by the rule
and not yet decided is not flagged again), from the nightly task customers.tasks.evaluate_review_rules, the
management command `evaluate_review_rules`, or the worklist page's button. It lives in customers and is not a
step of the dormancy scan because customers sits below the dormancy engine.
"""
# ruff: noqa: S608 - SQL here is assembled from model table and column names; values are always parameters.
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.permissions import require
from crm.sql import execute, table
from customers.models import Customer, Purchase, ReviewFlag, ReviewRule, Touchpoint
from customers.worklist import worklist_source

from .history import queryset_ids_sql
from .retire import customers_retire_bulk
from .worklists import live_customers

DEFAULT_RULES = [
    {"name": "見込み客：2年間接触なし", "kind": ReviewRule.Kind.PROSPECT_NO_CONTACT, "months": 24},
    {"name": "顧客：3年間購入なし", "kind": ReviewRule.Kind.CUSTOMER_NO_PURCHASE, "months": 36},
]


def rule_queryset(rule, *, now=None):
    """The live customers the rule matches (an unevaluated QuerySet)."""
    now = now or timezone.now()
    live = live_customers()
    cutoff = now - relativedelta(months=rule.months or 0)
    if rule.kind == ReviewRule.Kind.PROSPECT_NO_CONTACT:
        # "No contact": no touchpoint since the cutoff, and the record itself older than that.
        recent = Touchpoint.objects.filter(customer_id=OuterRef("pk"), occurred_at__gte=cutoff)
        return live.filter(lifecycle=Customer.Lifecycle.PROSPECT, created_at__lt=cutoff).filter(~Q(Exists(recent)))
    if rule.kind == ReviewRule.Kind.CUSTOMER_NO_PURCHASE:
        recent = Purchase.objects.filter(customer_id=OuterRef("pk"), purchased_on__gte=cutoff.date())
        return live.filter(lifecycle=Customer.Lifecycle.CUSTOMER, created_at__lt=cutoff).filter(~Q(Exists(recent)))
    if rule.kind == ReviewRule.Kind.NOT_UPDATED:
        return live.filter(updated_at__lt=cutoff)
    if rule.kind == ReviewRule.Kind.SOURCE:
        source = worklist_source(rule.source_key)
        return live.filter(pk__in=source.queryset_fn().values("pk")) if source else live.none()
    raise ValueError(f"unknown rule kind {rule.kind!r}")


@transaction.atomic
def review_rules_evaluate(*, rules=None, now=None):
    """Flag the records each active rule matches and that it has never flagged (a flag the maintainer decided
    "keep" is not proposed again by the same rule). Returns {rule id: number of new flags}."""
    now = now or timezone.now()
    rules = list(ReviewRule.objects.filter(is_active=True) if rules is None else rules)
    flagged = {}
    for rule in rules:
        decided = ReviewFlag.objects.filter(customer_id=OuterRef("pk"), rule=rule)
        matching = rule_queryset(rule, now=now).filter(~Q(Exists(decided))).order_by()
        sql, params = queryset_ids_sql(matching)
        flagged[rule.pk] = execute(
            f"INSERT INTO {table(ReviewFlag)} (customer_id, rule_id, flagged_at, resolution) "
            f"SELECT id, %s, %s, '' FROM {table(Customer)} WHERE id IN ({sql})",
            [rule.pk, connection.ops.adapt_datetimefield_value(now), *params],
        )
    return flagged


@transaction.atomic
def review_flags_resolve(*, queryset, resolution, by, reason=""):
    """Decide the open flags of the chosen customers: keep them (the flags are closed) or retire them.

    Needs customers.retire (deciding about retirement is the same right). Returns the number of flags closed.
    """
    require(by, "customers.retire")
    if resolution not in ReviewFlag.Resolution.values:
        raise ValueError(f"unknown resolution {resolution!r}")
    now = timezone.now()
    # Flags first: `queryset` may be a worklist of live customers, which a retirement would empty.
    closed = ReviewFlag.objects.filter(customer__in=queryset.values("pk"), resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by, resolution=resolution)
    if resolution == ReviewFlag.Resolution.RETIRED and closed:
        just_closed = ReviewFlag.objects.filter(resolved_at=now, resolved_by=by, resolution=resolution)
        customers_retire_bulk(queryset=Customer.objects.filter(pk__in=just_closed.values("customer_id")), by=by,
                              reason=reason or "review rule")
    return closed


def default_review_rules_create():
    """The starting rules (idempotent: a rule of the same kind is left alone)."""
    for spec in DEFAULT_RULES:
        ReviewRule.objects.get_or_create(kind=spec["kind"], defaults=spec)


__all__ = ["default_review_rules_create", "review_flags_resolve", "review_rules_evaluate",
           "rule_queryset"]
