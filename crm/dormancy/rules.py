"""The dormancy rules as one set-based SQL query: every customer's status, rule and matching rule record at `as_of`.

Each rule code becomes one SQL expression giving the id of the rule record that matched (NULL when none did):
segment overrides are tried first — tag overrides, then industry overrides, each in creation order — and the
default rule applies to everyone else. An override may also switch a rule off (or on) for its segment.
Precedence of the statuses is lost > dormant > at_risk > active, and within dormant the first matching rule in
the order inactivity, halved, member_spend is recorded. Customers with no purchase are prospects.

Used by the nightly scan (into a staging table) and by the rules page's preview (counted against the current
statuses), so what the manager previews is exactly what the scan will do.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from crm import sql
from customers.models import Customer, CustomerPurchaseSummary, Purchase

from .models import DormancyRule, DormancyStatus, RuleCode

# Parameters each rule reads (the rules form shows only these).
PARAMETERS = {
    RuleCode.INACTIVITY: ["days"],
    RuleCode.HALVED: ["ratio_percent"],
    RuleCode.MEMBER_SPEND: ["amount_yen", "months_required"],
    RuleCode.CYCLE_OVERDUE: ["multiplier", "min_purchase_days"],
    RuleCode.LOST: ["days", "is_targeted"],
    RuleCode.ONE_TIME: ["amount_yen"],
}
STATUS_RULES = [RuleCode.LOST, RuleCode.INACTIVITY, RuleCode.HALVED, RuleCode.MEMBER_SPEND, RuleCode.CYCLE_OVERDUE]
DORMANT_RULES = [RuleCode.INACTIVITY, RuleCode.HALVED, RuleCode.MEMBER_SPEND]
MEMBER_SPEND_MONTHS = 9  # 6 months looked at + the last 3


@dataclass
class Fragment:
    """SQL text with its parameters, kept together so concatenation keeps them in order."""

    text: str = ""
    params: list = field(default_factory=list)

    def add(self, text, params=()):
        self.text += text
        self.params.extend(params)
        return self


# The product's defaults (also written by migration crm 0004). A missing default is put back at the start of every
# scan (services.default_rules_restore) rather than letting the scan silently call everyone active: the manager
# edits the values, never removes the rule.
DEFAULT_RULES = {
    "inactivity": {"days": 180},
    "halved": {"ratio_percent": 50},
    "member_spend": {"is_enabled": False, "amount_yen": 5000, "months_required": 4},
    "cycle_overdue": {"multiplier": 2, "min_purchase_days": 3},
    "lost": {"days": 730, "is_targeted": False},
    "one_time": {"amount_yen": 10000, "is_targeted": False},
}


def missing_default_rules(rules):
    """Unsaved default rules for the codes `rules` has no default of (what the next scan will put back)."""
    present = {r.code for r in rules if r.tag_id is None and not r.industry}
    return [DormancyRule(code=code, **values) for code, values in DEFAULT_RULES.items() if code not in present]


def load_rules():
    """Every rule record, in creation order (a read: the scan puts back missing defaults before it calls this)."""
    return list(DormancyRule.objects.select_related("tag").order_by("pk"))


def rules_for(rules, code):
    """(overrides in the order they are tried, default or None) for one rule code."""
    mine = [r for r in rules if r.code == code]
    by_creation = sorted(mine, key=lambda r: (r.pk is None, r.pk or 0))
    tags = [r for r in by_creation if r.tag_id is not None]
    industries = [r for r in by_creation if r.tag_id is None and r.industry]
    default = next((r for r in mine if r.tag_id is None and not r.industry), None)
    return tags + industries, default


def _condition(rule):
    """The rule's test on the `base` columns, or None when it cannot match (off, or parameters missing)."""
    if rule is None or not rule.is_enabled:
        return None
    code = rule.code
    if code in (RuleCode.INACTIVITY, RuleCode.LOST) and rule.days is not None:
        return Fragment("days >= %s", [rule.days])
    if code == RuleCode.HALVED and rule.ratio_percent is not None:
        # Integer arithmetic: exactly 50 % must match, with no floating-point doubt.
        return Fragment("p12 > 0 AND l12 * 100 <= %s * p12", [rule.ratio_percent])
    if code == RuleCode.MEMBER_SPEND and rule.amount_yen is not None and rule.months_required is not None:
        x = rule.amount_yen
        months = " + ".join(f"CASE WHEN m{k} >= %s THEN 1 ELSE 0 END" for k in range(3, 9))
        return Fragment(f"({months}) >= %s AND (m0 + m1 + m2) < 3 * %s", [x] * 6 + [rule.months_required, x])
    if code == RuleCode.ONE_TIME and rule.amount_yen is not None:
        return Fragment("pd = 1 AND total < %s", [rule.amount_yen])
    if code == RuleCode.CYCLE_OVERDUE and rule.multiplier is not None and rule.min_purchase_days is not None:
        return Fragment(
            "pd >= %s AND med IS NOT NULL AND days > %s * med", [rule.min_purchase_days, float(rule.multiplier)]
        )
    return None


def _segment(rule, tags_table):
    if rule.tag_id is not None:
        return Fragment(f"EXISTS (SELECT 1 FROM {tags_table} ct WHERE ct.customer_id = base.customer_id AND ct.tag_id = %s)", [rule.tag_id])
    return Fragment("base.industry = %s", [rule.industry])


def _matched_rule_id(rule):
    condition = _condition(rule)
    if condition is None:
        return Fragment("NULL")
    return Fragment("CASE WHEN ").add(condition.text, condition.params).add(f" THEN {int(rule.pk or 0)} END")


def rule_expression(rules, code):
    """SQL giving, per customer, the id of the rule record of `code` that matched (0 for an unsaved one)."""
    overrides, default = rules_for(rules, code)
    if not overrides:
        return _matched_rule_id(default)
    tags_table = sql.table(Customer.tags.through)
    expr = Fragment("CASE")
    for rule in overrides:
        seg = _segment(rule, tags_table)
        body = _matched_rule_id(rule)
        expr.add(" WHEN ").add(seg.text, seg.params).add(" THEN ").add(body.text, body.params)
    body = _matched_rule_id(default)
    return expr.add(" ELSE ").add(body.text, body.params).add(" END")


def member_spend_bounds(as_of):
    """Month boundaries b0 = as_of > b1 > … > b9; month k is (b[k+1], b[k]]; months 0–2 are 'the last 3 months'."""
    return [as_of - relativedelta(months=k) for k in range(MEMBER_SPEND_MONTHS + 1)]


def _uses_member_spend(rules):
    return any(r.code == RuleCode.MEMBER_SPEND and r.is_enabled for r in rules)


def classify_sql(*, rules, as_of, figures=None):
    """(sql, params): one row per current customer with status, rule, applied_rule_id and the key figures.

    `figures`: the relation holding the purchase figures (default: the summary table; the scan passes its own
    when it ran for a past date). `one_time_id` is the small-one-time-buyer exclusion rule that matched, if any.
    """
    d = sql.date_param()
    customer, summary = sql.table(Customer), figures or sql.table(CustomerPurchaseSummary)
    monthly = _uses_member_spend(rules)
    q = Fragment("WITH base AS (SELECT c.id AS customer_id, c.industry AS industry, c.is_key_account AS is_key_account, ")
    q.add(
        "s.first_purchase_on AS first_purchase_on, s.last_purchase_on AS last_purchase_on, "
        "COALESCE(s.purchase_days, 0) AS pd, COALESCE(s.total_amount, 0) AS total, "
        "COALESCE(s.amount_last_12m, 0) AS l12, COALESCE(s.amount_prev_12m, 0) AS p12, "
        "s.median_interval_days AS med, "
    )
    q.add(f"{sql.days_between(d, 's.last_purchase_on')} AS days", [as_of])
    # The buyers' spend rank (priority formula), computed here, on the narrow rows, in the same pass.
    q.add(
        ", CASE WHEN s.purchase_days > 0 THEN percent_rank() OVER "
        "(PARTITION BY COALESCE(s.purchase_days, 0) > 0 ORDER BY COALESCE(s.total_amount, 0)) END AS spend_rank"
    )
    if monthly:
        q.add("".join(f", COALESCE(m.m{k}, 0) AS m{k}" for k in range(MEMBER_SPEND_MONTHS)))
    q.add(f" FROM {customer} c LEFT JOIN {summary} s ON s.customer_id = c.id AND s.purchase_days > 0")
    if monthly:
        bounds = member_spend_bounds(as_of)
        sums = ", ".join(
            f"SUM(CASE WHEN purchased_on > {d} AND purchased_on <= {d} THEN amount ELSE 0 END) AS m{k}"
            for k in range(MEMBER_SPEND_MONTHS)
        )
        params = [b for k in range(MEMBER_SPEND_MONTHS) for b in (bounds[k + 1], bounds[k])]
        q.add(
            f" LEFT JOIN (SELECT customer_id, {sums} FROM {sql.table(Purchase)} "
            f"WHERE purchased_on > {d} AND purchased_on <= {d} GROUP BY customer_id) m ON m.customer_id = c.id",
            [*params, bounds[-1], as_of],
        )
    q.add(" WHERE c.merged_into_id IS NULL AND c.lifecycle <> %s", [Customer.Lifecycle.RETIRED])
    q.add("), matched AS (SELECT base.*")
    for code in [*STATUS_RULES, RuleCode.ONE_TIME]:
        expr = rule_expression(rules, code)
        # Typed, so a rule that can match nobody (a bare NULL) still combines with the others on PostgreSQL.
        q.add(", CAST(").add(expr.text, expr.params).add(f" AS bigint) AS {code}_id")
    q.add(" FROM base) SELECT customer_id, is_key_account, first_purchase_on, last_purchase_on, ")
    q.add(
        "pd AS purchase_days, total AS total_amount, l12 AS amount_last_12m, p12 AS amount_prev_12m, "
        "med AS median_interval_days, days AS days_since_last_purchase, spend_rank, "
    )
    dormant_any = " OR ".join(f"{c}_id IS NOT NULL" for c in DORMANT_RULES)
    q.add(
        "CASE WHEN last_purchase_on IS NULL THEN %s WHEN lost_id IS NOT NULL THEN %s "
        f"WHEN {dormant_any} THEN %s WHEN cycle_overdue_id IS NOT NULL THEN %s ELSE %s END AS status, ",
        [DormancyStatus.PROSPECT, DormancyStatus.LOST, DormancyStatus.DORMANT, DormancyStatus.AT_RISK,
         DormancyStatus.ACTIVE],
    )
    q.add("CASE WHEN last_purchase_on IS NULL THEN ''")
    for code in STATUS_RULES:
        q.add(f" WHEN {code}_id IS NOT NULL THEN %s", [code.value])
    q.add(" ELSE '' END AS rule, ")
    ids = ", ".join(f"{c}_id" for c in STATUS_RULES)
    q.add(f"CASE WHEN last_purchase_on IS NULL THEN NULL ELSE COALESCE({ids}) END AS applied_rule_id, ")
    q.add("one_time_id FROM matched")
    return q.text, q.params

