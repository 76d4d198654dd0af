"""Who to win back first: the priority score (0–100) and the exclusions from targeting.

Two priorities; the weekly back-test on the company's own history (crm.dormancy.ranking) says which is in force.

rule — the brief's practice: most recently dormant first, big and frequent buyers first:

    score = 100 × e^(−days since last purchase / 365) × (0.6 + 0.2·M + 0.1·F + 0.1·K)

    M  monetary    = percent rank of past spend among all buyers   (0 = smallest, 1 = largest)
    F  frequency   = min(purchase days, 24) / 24
    K  key account = 1 for key accounts, else 0

  The second factor is the customer's value (0.6–1.0), non-decreasing in spend, purchase days and key account;
  the first falls with every day of silence, so a shorter dormancy always ranks higher at the same value.

learned — crm.dormancy.learned, in force only where its back-test beats the rule:

    score = 100 × P × (0.8 + 0.2·M)

    P  the calibrated chance that the customer buys within the horizon, from a model fitted on this company's
       own earlier cut-offs (recency, purchase days, spend, tenure, silence against the customer's own interval,
       12-month trend, BG/NBD outputs, reason, key account, contacts logged)

  At the same chance, the customer who spent more comes first (by at most a quarter).

BG/NBD's p_alive is no longer a factor of either: on real data (CDNOW, docs/ranking.md) it put one-time buyers above
steady buyers who went quiet, who are the ones that come back.

Dormant, at-risk and lost customers get a score; active customers and prospects do not. Excluded from targeting,
with the reason shown: lost customers (unless the lost rule is set to be targeted) and one-time buyers below the
configured amount (default 10,000 yen). Excluded customers keep their score so the manager can see what they
would have ranked; the list puts them after everyone else.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import numpy as np
from django.utils.translation import gettext_lazy as _

from crm import sql

from .models import DormancyStatus, RuleCode

VALUE_BASE = 0.6
WEIGHT_MONETARY = 0.2
WEIGHT_FREQUENCY = 0.1
WEIGHT_KEY_ACCOUNT = 0.1
FALLBACK_DECAY_DAYS = 365.0
FREQUENCY_CAP = 24
LEARNED_VALUE_FLOOR = 0.8  # learned: value = 0.8 + 0.2 × spend rank
SCORE_DECIMALS = 6  # stored rounded, so float noise never rewrites a row
SCORED_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST]

EXCLUDED_LOST = "lost"
EXCLUDED_ONE_TIME = "one_time_small"
EXCLUSION_LABELS = {
    EXCLUDED_LOST: _("Lost: not targeted"),
    EXCLUDED_ONE_TIME: _("Small one-time buyer"),
}


def priority_score(*, days, spend_rank, purchase_days, is_key_account):
    """The rule, for documentation, tests and the back-test (numbers or numpy arrays); the scan computes the same
    in SQL (ranked_sql)."""
    frequency = np.minimum(purchase_days, FREQUENCY_CAP) / FREQUENCY_CAP
    value = (
        VALUE_BASE + WEIGHT_MONETARY * np.nan_to_num(spend_rank) + WEIGHT_FREQUENCY * frequency
        + WEIGHT_KEY_ACCOUNT * np.asarray(is_key_account, dtype=float)
    )
    score = 100 * np.exp(-np.asarray(days, dtype=float) / FALLBACK_DECAY_DAYS) * value
    return float(score) if np.ndim(score) == 0 else score


def learned_priority(*, probability, spend_rank):
    """100 × P × (0.8 + 0.2 × spend rank): numbers or numpy arrays."""
    value = LEARNED_VALUE_FLOOR + (1 - LEARNED_VALUE_FLOOR) * np.nan_to_num(spend_rank)
    score = 100 * np.asarray(probability, dtype=float) * value
    return float(score) if np.ndim(score) == 0 else score


def _fence():
    """Keeps the database from inlining a subquery's columns into the outer query, where an expression used twice
    (the return probability, in its own column and in the priority) would be computed twice."""
    return "OFFSET 0" if sql.is_postgres() else "LIMIT -1 OFFSET 0"


def ranked_sql(inner, inner_params, *, as_of, model=None):
    """(sql, params): the rows of `inner` (the staging columns) with return_probability, priority_score and
    is_excluded. `model`: the learned ReturnModel in force, or None for the rule."""
    statuses = ", ".join(["%s"] * len(SCORED_STATUSES))
    scored = [s.value for s in SCORED_STATUSES]
    if model is not None:
        from . import learned

        chance, chance_params = model.probability_sql("r", values=learned.sql_values(as_of))
        middle = (
            f"SELECT r.*, CASE WHEN r.status IN ({statuses}) THEN {sql.round_float(chance, learned.PROBABILITY_DECIMALS)} "
            f"END AS return_probability FROM ({inner}) r {_fence()}"
        )
        middle_params = [*scored, *chance_params, *inner_params]
        score = f"CASE WHEN q.status IN ({statuses}) THEN 100 * q.return_probability * (%s + %s * q.spend_rank) END"
        score_params = [*scored, LEARNED_VALUE_FLOOR, 1 - LEARNED_VALUE_FLOOR]
    else:
        middle = f"SELECT r.*, {sql.typed_null('float')} AS return_probability FROM ({inner}) r"
        middle_params = list(inner_params)
        score = (
            f"CASE WHEN q.status IN ({statuses}) THEN 100 * EXP(-q.days_since_last_purchase / %s) * (%s + %s * q.spend_rank "
            f"+ %s * (CASE WHEN q.purchase_days >= %s THEN 1 ELSE q.purchase_days / %s END) "
            f"+ %s * (CASE WHEN q.is_key_account THEN 1 ELSE 0 END)) END"
        )
        score_params = [
            *scored, FALLBACK_DECAY_DAYS, VALUE_BASE, WEIGHT_MONETARY, WEIGHT_FREQUENCY, FREQUENCY_CAP,
            float(FREQUENCY_CAP), WEIGHT_KEY_ACCOUNT,
        ]
    text = (
        f"SELECT q.*, {sql.round_float(score, SCORE_DECIMALS)} AS priority_score, "
        f"(q.exclusion_reason <> '') AS is_excluded FROM ({middle}) q"
    )
    return text, [*score_params, *middle_params]


def exclusion_sql(alias, rules):
    """(sql, params): the exclusion reason ('' for none) of row `alias` (status, applied_rule_id, one_time_id)."""
    untargeted_lost = [r.pk for r in rules if r.code == RuleCode.LOST and not r.is_targeted and r.pk]
    statuses = ", ".join(["%s"] * len(SCORED_STATUSES))
    lost_test = "1 = 0"
    params = [*[s.value for s in SCORED_STATUSES]]
    if untargeted_lost:
        lost_test = f"{alias}.status = %s AND {alias}.applied_rule_id IN ({', '.join(['%s'] * len(untargeted_lost))})"
        params += [DormancyStatus.LOST.value, *untargeted_lost]
    text = (
        f"CASE WHEN {alias}.status NOT IN ({statuses}) THEN '' "
        f"WHEN {lost_test} THEN %s WHEN {alias}.one_time_id IS NOT NULL THEN %s ELSE '' END"
    )
    return text, [*params, EXCLUDED_LOST, EXCLUDED_ONE_TIME]
