"""Who to win back first: the priority score (0–100) and the exclusions from targeting.

    score = 100 × P × (0.6 + 0.2·M + 0.1·F + 0.1·K)

    P  chance of return = the model's p_alive (BG/NBD, with the one-time-buyer fix); when no model could be
                          fitted (a handful of buyers), exp(−days since last purchase / 365)
    M  monetary         = percent rank of past spend among all buyers   (0 = smallest, 1 = largest)
    F  frequency        = min(purchase days, 24) / 24
    K  key account      = 1 for key accounts, else 0

The second factor is the customer's value (0.6–1.0): non-decreasing in spend, purchase days and key account.
P is strictly higher for a shorter dormancy (same first purchase and purchase days). P is what makes the score
predict who comes back better than recency alone (see docs/dormancy.md): it also reads a quiet spell against the
customer's own rhythm, so a frequent buyer silent for many times his usual interval gets a lower P than an
occasional buyer silent as long — more purchase days raise the score at the same P, not whatever the silence.

Dormant, at-risk and lost customers get a score; active customers and prospects do not. Excluded from targeting,
with the reason shown: lost customers (unless the lost rule is set to be targeted) and one-time buyers below the
configured amount (default 10,000 yen). Excluded customers keep their score so the manager can see what they
would have ranked.
"""
import math

from django.utils.translation import gettext_lazy as _

from .models import DormancyStatus, RuleCode

VALUE_BASE = 0.6
WEIGHT_MONETARY = 0.2
WEIGHT_FREQUENCY = 0.1
WEIGHT_KEY_ACCOUNT = 0.1
FALLBACK_DECAY_DAYS = 365.0
FREQUENCY_CAP = 24
SCORE_DECIMALS = 6  # stored rounded, so float noise never rewrites a row
SCORED_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST]

EXCLUDED_LOST = "lost"
EXCLUDED_ONE_TIME = "one_time_small"
EXCLUSION_LABELS = {
    EXCLUDED_LOST: _("Lost: not targeted"),
    EXCLUDED_ONE_TIME: _("Small one-time buyer"),
}


def chance_of_return(*, days, p_alive=None):
    return p_alive if p_alive is not None else math.exp(-days / FALLBACK_DECAY_DAYS)


def priority_score(*, days, spend_rank, purchase_days, is_key_account, p_alive=None):
    """The formula in Python, for documentation and tests; the scan computes the same in SQL."""
    frequency = min(purchase_days, FREQUENCY_CAP) / FREQUENCY_CAP
    value = (
        VALUE_BASE + WEIGHT_MONETARY * spend_rank + WEIGHT_FREQUENCY * frequency
        + WEIGHT_KEY_ACCOUNT * (1 if is_key_account else 0)
    )
    return 100 * chance_of_return(days=days, p_alive=p_alive) * value


def score_sql(alias, *, exp_sql):
    """(sql, params): the score of row `alias` (columns days_since_last_purchase, spend_rank, purchase_days,
    is_key_account, p_alive, status), NULL for the statuses that are not scored. `exp_sql(x)` spells e^x."""
    a = alias
    statuses = ", ".join(["%s"] * len(SCORED_STATUSES))
    chance = f"COALESCE({a}.p_alive, {exp_sql(f'-{a}.days_since_last_purchase / %s')})"
    text = (
        f"CASE WHEN {a}.status IN ({statuses}) THEN 100 * {chance} * (%s + %s * {a}.spend_rank "
        f"+ %s * (CASE WHEN {a}.purchase_days >= %s THEN 1 ELSE {a}.purchase_days / %s END) "
        f"+ %s * (CASE WHEN {a}.is_key_account THEN 1 ELSE 0 END)) END"
    )
    params = [
        *[s.value for s in SCORED_STATUSES], FALLBACK_DECAY_DAYS, VALUE_BASE, WEIGHT_MONETARY,
        WEIGHT_FREQUENCY, FREQUENCY_CAP, float(FREQUENCY_CAP), WEIGHT_KEY_ACCOUNT,
    ]
    return text, params


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
