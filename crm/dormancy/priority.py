"""Who to win back first: the priority score (0–100) and the exclusions from targeting.

    score = 100 × (0.35·R + 0.30·M + 0.20·F + 0.15·K)

    R  recency     = max(0, 1 − days since last purchase / 730)   shorter dormancy → higher
    M  monetary    = percent rank of past spend among all buyers   (0 = smallest, 1 = largest)
    F  frequency   = min(purchase days, 24) / 24                   more purchase days → higher
    K  key account = 1 for key accounts, else 0

Each term is non-decreasing in its figure, so the score is monotone in each. Dormant, at-risk and lost customers
get a score; active customers and prospects do not. Excluded from targeting, with the reason shown:
lost customers (unless the lost rule is set to be targeted) and one-time buyers below the configured amount
(default 10,000 yen). Excluded customers keep their score so the manager can see what they would have ranked.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
from django.utils.translation import gettext_lazy as _

from .models import DormancyStatus, RuleCode

WEIGHT_RECENCY = 0.35
WEIGHT_MONETARY = 0.30
WEIGHT_FREQUENCY = 0.20
WEIGHT_KEY_ACCOUNT = 0.15
RECENCY_HORIZON_DAYS = 730
FREQUENCY_CAP = 24
SCORED_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST]

EXCLUDED_LOST = "lost"
EXCLUDED_ONE_TIME = "one_time_small"
EXCLUSION_LABELS = {
    EXCLUDED_LOST: _("Lost: not targeted"),
    EXCLUDED_ONE_TIME: _("Small one-time buyer"),
}


def priority_score(*, days, spend_rank, purchase_days, is_key_account):
    """The formula in Python, for documentation and tests; the scan computes the same in SQL."""
    recency = max(0.0, 1 - days / RECENCY_HORIZON_DAYS)
    frequency = min(purchase_days, FREQUENCY_CAP) / FREQUENCY_CAP
    return 100 * (
        WEIGHT_RECENCY * recency
        + WEIGHT_MONETARY * spend_rank
        + WEIGHT_FREQUENCY * frequency
        + WEIGHT_KEY_ACCOUNT * (1 if is_key_account else 0)
    )


def score_update_sql(stage):
    """(sql, params) setting priority_score on the staging table for the scored statuses."""
    statuses = ", ".join(["%s"] * len(SCORED_STATUSES))
    text = (
        f"UPDATE {stage} SET priority_score = 100 * ("
        f"%s * (CASE WHEN {stage}.days_since_last_purchase >= %s THEN 0 "
        f"ELSE 1 - {stage}.days_since_last_purchase / %s END) "
        f"+ %s * r.spend_rank "
        f"+ %s * (CASE WHEN {stage}.purchase_days >= %s THEN 1 ELSE {stage}.purchase_days / %s END) "
        f"+ %s * (CASE WHEN {stage}.is_key_account THEN 1 ELSE 0 END)) "
        f"FROM (SELECT customer_id, percent_rank() OVER (ORDER BY total_amount) AS spend_rank "
        f"FROM {stage} WHERE purchase_days > 0) r "
        f"WHERE {stage}.customer_id = r.customer_id AND {stage}.status IN ({statuses})"
    )
    params = [
        WEIGHT_RECENCY, RECENCY_HORIZON_DAYS, float(RECENCY_HORIZON_DAYS), WEIGHT_MONETARY,
        WEIGHT_FREQUENCY, FREQUENCY_CAP, float(FREQUENCY_CAP), WEIGHT_KEY_ACCOUNT,
        *[s.value for s in SCORED_STATUSES],
    ]
    return text, params


def exclusion_update_sql(stage, rules):
    """(sql, params) setting is_excluded / exclusion_reason on the staging table."""
    untargeted_lost = [r.pk for r in rules if r.code == RuleCode.LOST and not r.is_targeted and r.pk]
    statuses = ", ".join(["%s"] * len(SCORED_STATUSES))
    lost_test = "1 = 0"
    params = [*[s.value for s in SCORED_STATUSES]]
    if untargeted_lost:
        lost_test = f"status = %s AND applied_rule_id IN ({', '.join(['%s'] * len(untargeted_lost))})"
    text = (
        f"UPDATE {stage} SET exclusion_reason = CASE WHEN status NOT IN ({statuses}) THEN '' "
        f"WHEN {lost_test} THEN %s WHEN one_time_id IS NOT NULL THEN %s ELSE '' END"
    )
    if untargeted_lost:
        params += [DormancyStatus.LOST.value, *untargeted_lost]
    params += [EXCLUDED_LOST, EXCLUDED_ONE_TIME]
    return text, params
