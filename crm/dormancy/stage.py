"""The scan's staging table: every current customer's new state, computed by ONE statement.

    CREATE TEMP TABLE dormancy_scan_stage AS
    SELECT …status, rule (rules.classify_sql) → reason (reasons) → model scores (join on the scoring table) →
           return probability, priority and exclusion (priority, by the ranking in force) → since-dates
           (against the current CustomerDormancy row)

`previous_status` is the customer's current status (NULL without a current row): record_changes reads the
changes from it without joining again.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
from crm import sql

from . import priority, reasons, rules, scoring
from .models import CustomerDormancy, DormancyStatus, RuleCode

STAGE = "dormancy_scan_stage"
# The stored columns of CustomerDormancy (besides customer_id and as_of), each a column of the staging table.
STATE_COLUMNS = [
    "status", "rule", "applied_rule_id", "reason", "dormant_since", "status_since", "days_since_last_purchase",
    "priority_score", "is_excluded", "exclusion_reason", "p_alive", "expected_purchases_90d",
    "next_expected_purchase_on", "return_probability",
    # The figures the dormant list shows and sorts by (from the classification's figures, as of the scan).
    "total_amount", "amount_last_12m", "amount_prev_12m",
]
DEFAULT_INACTIVITY_DAYS = 180


def _inactivity_days_case(ctx):
    """The days of the inactivity rule record that matched (by its id), for its dormant_since."""
    cases = [(r.pk, r.days) for r in ctx.rules if r.code == RuleCode.INACTIVITY and r.pk and r.days is not None]
    if not cases:
        return "NULL", []
    text = "CASE k.applied_rule_id" + " WHEN %s THEN %s" * len(cases) + " END"
    return text, [v for pair in cases for v in pair]


def create_stage(ctx, *, figures):
    """Create the staging table for ctx.as_of from the `figures` relation and the scores of the model step."""
    d = sql.date_param()
    as_of = ctx.as_of
    classify, classify_params = rules.classify_sql(rules=ctx.rules, as_of=as_of, figures=figures)
    reason, reason_params = reasons.reason_case_sql(alias="k")
    exclusion, exclusion_params = priority.exclusion_sql("k", ctx.rules)
    inactivity_days, inactivity_params = _inactivity_days_case(ctx)
    default_days = next(
        (r.days for r in ctx.rules if r.code == RuleCode.INACTIVITY and r.is_default and r.days),
        DEFAULT_INACTIVITY_DAYS,
    )
    current = sql.table(CustomerDormancy)
    span = sql.days_between("k.last_purchase_on", "k.first_purchase_on")
    age = sql.days_between(d, "k.first_purchase_on")
    explained = [DormancyStatus.DORMANT.value, DormancyStatus.LOST.value]
    # dormant_since as this scan alone would date it: inactivity from the rule's own days, lost from the default
    # inactivity days, the other rules (and at_risk: none) from this scan's date.
    fresh_dormant_since = (
        f"CASE WHEN k.rule = %s THEN {sql.add_days('k.last_purchase_on', inactivity_days)} "
        f"WHEN k.rule = %s THEN {sql.add_days('k.last_purchase_on', '%s')} "
        f"WHEN k.status IN (%s, %s) THEN {d} END"
    )
    fresh_params = [
        RuleCode.INACTIVITY.value, *inactivity_params, RuleCode.LOST.value, default_days, *explained, as_of,
    ]
    # A status that holds keeps its since-date; an unchanged rule other than inactivity/lost keeps the first date.
    inner = (
        f"SELECT k.*, cur.status AS previous_status, "
        f"CASE WHEN cur.status = k.status THEN COALESCE(cur.status_since, {d}) ELSE {d} END AS status_since, "
        f"CASE WHEN cur.status = k.status AND k.rule NOT IN (%s, %s) AND cur.rule = k.rule "
        f"THEN COALESCE(cur.dormant_since, {fresh_dormant_since}) ELSE {fresh_dormant_since} END AS dormant_since, "
        f"{reason} AS reason, {exclusion} AS exclusion_reason, m.p_alive AS p_alive, "
        f"m.expected AS expected_purchases_90d, "
        f"CASE WHEN k.median_interval_days IS NOT NULL "
        f"THEN {sql.add_days('k.last_purchase_on', 'ROUND(k.median_interval_days)')} END AS next_expected_purchase_on "
        f"FROM ({classify}) k "
        f"LEFT JOIN {current} cur ON cur.customer_id = k.customer_id "
        f"LEFT JOIN {scoring.SCORES} m ON m.purchase_days = k.purchase_days AND m.span_days = {span} "
        f"AND m.age_days = {age}"
    )
    inner_params = [
        as_of, as_of, RuleCode.INACTIVITY.value, RuleCode.LOST.value, *fresh_params, *fresh_params,
        *reason_params, *exclusion_params, *classify_params, as_of,
    ]
    # Priority by the ranking in force (the rule, or the learned model the weekly back-test chose: crm.dormancy.ranking).
    scored, scored_params = priority.ranked_sql(
        inner, inner_params, as_of=as_of, model=getattr(ctx, "return_model", None)
    )
    sql.execute(f"DROP TABLE IF EXISTS {STAGE}")
    sql.execute(sql.temp_table(STAGE, scored), scored_params)
    if sql.is_postgres():
        sql.execute(f"ANALYZE {STAGE}")  # read whole by hash joins: no index needed
    else:
        sql.execute(f"CREATE UNIQUE INDEX {STAGE}_pk ON {STAGE} (customer_id)")  # SQLite joins by nested loops
