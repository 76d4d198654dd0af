"""Back-test of the win-back ranking on the company's own history: would this list have found who came back?

    ranking_backtest(*, as_of=D, horizon_days=H) -> dict   (the figures of manage.py backtest_ranking)

Cut-off C = D − H. Every feature and score is computed from what was known on C — purchases on or before C,
touchpoints up to the end of C, the rules as they are now — and the outcome is "bought on a day in (C, C + H]"
with the revenue of those days. Nothing after C reaches a feature (tests move a later purchase and see no change).

Populations: "all" = every customer with a purchase on or before C; "targets" = those the rules classify dormant or
at risk at C (the customers the list is for). Scores, larger = more likely to come back:
recency (fewer days since the last purchase), purchase_days, spend (past total), p_alive (the engine's),
p_alive_bgnbd (as the BG/NBD paper defines it), expected_purchases_90d, return_probability (the learned model,
crm.dormancy.learned, fitted only on cut-offs before C), priority_rule (the brief's rule), priority_learned, and
priority = the one the engine would put in force from this back-test (see `choose_priority`). Priorities are
evaluated in the list's order: customers excluded from targeting (small one-time buyers, untargeted lost) last.

Figures per score: AUC of "came back" (Mann–Whitney, ties count half), the share of the top 10 % / 20 % who came
back (precision at the top of the list), and the share of the returners' revenue in (C, C + H] that the top 10 %
brought. Ties at the 10 % boundary are counted fractionally (the expected value under a random order of the tied
customers), so the figures do not depend on how the database happens to order equal scores.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import datetime
import io
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from scipy.stats import rankdata

from crm import sql
from customers.models import Purchase, Touchpoint
from customers.purchases.summary import window_bounds
from customers.purchases.windows import purchase_figures_sql

from . import bgnbd, learned, priority, reasons, rules, scoring
from .models import DormancyStatus

DEFAULT_HORIZON_DAYS = 90
MIN_RETURNERS = 200  # fewer returners after the cut-off: too little history to judge a ranking
TOP_SHARES = (0.10, 0.20)
TARGET_STATUSES = (DormancyStatus.DORMANT.value, DormancyStatus.AT_RISK.value)
WORK_MEM = "256MB"
DAYS_PER_WEEK = 7.0

IDS, FIGURES = "ranking_bt_ids", "ranking_bt_figures"

# What each score means, in the order the page and the command list them.
SCORES = [
    "recency", "purchase_days", "spend", "p_alive", "p_alive_bgnbd", "expected_purchases_90d",
    "return_probability", "priority_rule", "priority_learned", "priority",
]


# ---------------------------------------------------------------- figures of one ranking


def auc(scores, labels):
    """Area under the ROC curve of `scores` for the boolean `labels` (Mann–Whitney; ties count half)."""
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(np.asarray(scores, dtype=float))
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def top_sum(scores, values, share):
    """Sum of `values` over the top `share` of the customers by score, the boundary's ties taken fractionally."""
    scores, values = np.asarray(scores, dtype=float), np.asarray(values, dtype=float)
    n = len(scores)
    if n == 0:
        return 0.0
    k = share * n
    order = np.argsort(-scores, kind="stable")
    ordered, vals = scores[order], values[order]
    # Groups of equal scores, best first: take whole groups while they fit, then a fraction of the next.
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, n])
    sums = np.add.reduceat(vals, starts)
    before = np.r_[0, np.cumsum(sizes)[:-1]]
    take = np.clip(k - before, 0, sizes)
    return float(np.sum(sums * take / sizes))


def ranking_figures(scores, returned, revenue):
    """AUC, the share of the top 10 % / 20 % who came back, and the top 10 %'s share of the returners' revenue."""
    n = len(scores)
    figures = {"auc": _round(auc(scores, returned))}
    for share in TOP_SHARES:
        figures[f"top{round(share * 100)}_hit"] = _round(top_sum(scores, returned, share) / (share * n)) if n else None
    total = float(np.sum(revenue))
    figures["top10_revenue_share"] = _round(top_sum(scores, revenue, 0.10) / total) if total > 0 else None
    return figures


def _round(value, digits=4):
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


# ---------------------------------------------------------------- what was known at a cut-off


def scan_rules():
    """The rules as the scan runs them: the stored ones, and a default missing from the table put back with the
    product's values (the scan's first step restores it; a back-test only reads)."""
    stored = rules.load_rules()
    return stored + rules.missing_default_rules(stored)


def first_purchase_day():
    return Purchase.objects.order_by("purchased_on").values_list("purchased_on", flat=True).first()


def returner_count(*, cutoff, end):
    """Customers who bought on or before the cut-off and again in (cutoff, end]: enough for a back-test?"""
    purchase = sql.table(Purchase)
    d = sql.date_param()
    return sql.fetch_all(
        f"SELECT COUNT(DISTINCT a.customer_id) FROM {purchase} a WHERE a.purchased_on > {d} AND a.purchased_on <= {d} "
        f"AND EXISTS (SELECT 1 FROM {purchase} b WHERE b.customer_id = a.customer_id AND b.purchased_on <= {d})",
        [cutoff, end, cutoff],
    )[0][0]


def cutoff_frame(*, cutoff, rule_set=None):
    """One row per customer who bought on or before `cutoff`: figures, status, reason, exclusion, touchpoints and
    BG/NBD scores, all from what was known on that day. Runs in its own transaction (temp tables)."""
    rule_set = rule_set if rule_set is not None else scan_rules()
    with transaction.atomic():
        if sql.is_postgres():
            # As the scan does: one pass over whole tables, sorts and hashes in memory, no JIT (transaction-local).
            sql.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
            sql.execute("SELECT set_config('jit', 'off', true)")
        frame = _frame_rows(cutoff, rule_set)
        triples = scoring.model_inputs(figures=FIGURES, as_of=cutoff)
        for name in (IDS, FIGURES):
            sql.execute(f"DROP TABLE IF EXISTS {name}")
    return _with_model_scores(frame, triples)


def _figures_at(cutoff):
    """The FIGURES temp table: every summary figure of every customer from the purchases up to `cutoff`."""
    purchase = sql.table(Purchase)
    d = sql.date_param()
    for name in (IDS, FIGURES):
        sql.execute(f"DROP TABLE IF EXISTS {name}")
    if sql.is_postgres():
        # One streaming pass over the (customer_id, purchased_on) INCLUDE (amount) index, already in order: the
        # gaps by LAG, purchase days = lines whose gap is not 0, the median of the non-zero gaps (as the summary
        # maintenance computes them). A million customers, 20 million lines: about 25 s here.
        last_start, prev_start = window_bounds(cutoff)
        query = (
            "SELECT customer_id, MIN(day) AS first_purchase_on, MAX(day) AS last_purchase_on, "
            "CAST(COUNT(*) FILTER (WHERE gap IS DISTINCT FROM 0) AS integer) AS purchase_days, "
            "CAST(SUM(amount) AS bigint) AS total_amount, "
            f"CAST(COALESCE(SUM(amount) FILTER (WHERE day > {d} AND day <= {d}), 0) AS bigint) AS amount_last_12m, "
            f"CAST(COALESCE(SUM(amount) FILTER (WHERE day > {d} AND day <= {d}), 0) AS bigint) AS amount_prev_12m, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FILTER (WHERE gap > 0) AS median_interval_days "
            "FROM (SELECT customer_id, purchased_on AS day, amount, purchased_on - LAG(purchased_on) OVER "
            f"(PARTITION BY customer_id ORDER BY purchased_on) AS gap FROM {purchase} WHERE purchased_on <= {d}) lines "
            "GROUP BY customer_id"
        )
        sql.execute(sql.temp_table(FIGURES, query), [last_start, cutoff, prev_start, last_start, cutoff])
        sql.execute(f"ANALYZE {FIGURES}")
        return
    sql.execute(sql.temp_table(IDS, f"SELECT DISTINCT customer_id FROM {purchase} WHERE purchased_on <= {d}"), [cutoff])
    figures, figure_params = purchase_figures_sql(as_of=cutoff, scope_table=IDS)
    sql.execute(sql.temp_table(FIGURES, figures), figure_params)


def _frame_rows(cutoff, rule_set):
    touchpoint = sql.table(Touchpoint)
    d = sql.date_param()
    _figures_at(cutoff)
    classify, classify_params = rules.classify_sql(rules=rule_set, as_of=cutoff, figures=FIGURES)
    reason, reason_params = reasons.reason_case_sql(alias="k")
    exclusion, exclusion_params = priority.exclusion_sql("k", rule_set)
    touch_from, day_end = learned.touchpoint_window(cutoff)
    span = sql.days_between("k.last_purchase_on", "k.first_purchase_on")
    query = (
        "SELECT k.customer_id, CASE WHEN k.is_key_account THEN 1 ELSE 0 END AS is_key_account, "
        "k.purchase_days, k.total_amount, k.amount_last_12m, k.amount_prev_12m, k.median_interval_days, "
        f"k.days_since_last_purchase, {sql.days_between(d, 'k.first_purchase_on')} AS tenure_days, "
        f"{span} AS span_days, k.spend_rank, k.status, {reason} AS reason, {exclusion} AS exclusion_reason, "
        "COALESCE(t.touchpoints, 0) AS touchpoints_365d "
        f"FROM ({classify}) k LEFT JOIN (SELECT customer_id, COUNT(*) AS touchpoints FROM {touchpoint} "
        "WHERE occurred_at >= %s AND occurred_at < %s GROUP BY customer_id) t ON t.customer_id = k.customer_id "
        "WHERE k.purchase_days > 0 ORDER BY k.customer_id"
    )
    params = [cutoff, *reason_params, *exclusion_params, *classify_params, touch_from, day_end]
    return read_frame(query, params)


def read_frame(query, params):
    """A SELECT as a DataFrame: through COPY … CSV on PostgreSQL (a million rows in seconds), else fetchall."""
    with connection.cursor() as cursor:
        if sql.is_postgres():
            statement = cursor.mogrify(query, params).decode()
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
            buffer.seek(0)
            return pd.read_csv(buffer, keep_default_na=False, na_values=[""])
        cursor.execute(query, params)
        columns = [c[0] for c in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def _with_model_scores(frame, triples):
    """Fit BG/NBD on the cut-off's buyers (as the scan would have that night) and attach its scores."""
    frame = _normalise(frame)
    purchase_days, span, age, weights = triples
    frame["p_alive"] = np.nan
    frame["p_alive_bgnbd"] = np.nan
    frame["expected_purchases_90d"] = np.nan
    if len(frame) == 0 or int(weights.sum()) < scoring.MIN_CUSTOMERS_FOR_MODEL:
        return frame
    x = (purchase_days - 1).astype(float)
    t_x, T = span / DAYS_PER_WEEK, age / DAYS_PER_WEEK
    params = bgnbd.fit(x, t_x, T, weights=weights)
    scores = pd.DataFrame({
        "purchase_days": purchase_days, "span_days": span, "tenure_days": age,
        "p_alive": np.round(bgnbd.p_alive(params, x, t_x, T), scoring.SCORE_DECIMALS),
        "p_alive_bgnbd": bgnbd.p_alive(params, x, t_x, T, no_repeat="bgnbd"),
        "expected_purchases_90d": np.round(
            bgnbd.expected_purchases(params, scoring.PREDICTION_DAYS / DAYS_PER_WEEK, x, t_x, T), scoring.SCORE_DECIMALS
        ),
    })
    merged = frame.drop(columns=["p_alive", "p_alive_bgnbd", "expected_purchases_90d"]).merge(
        scores, on=["purchase_days", "span_days", "tenure_days"], how="left", validate="many_to_one"
    )
    merged.attrs["bgnbd"] = {"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b}
    return merged


INT_COLUMNS = ["customer_id", "is_key_account", "purchase_days", "total_amount", "amount_last_12m", "amount_prev_12m",
               "days_since_last_purchase", "tenure_days", "span_days", "touchpoints_365d"]
FLOAT_COLUMNS = ["median_interval_days", "spend_rank"]
TEXT_COLUMNS = ["status", "reason", "exclusion_reason"]


def _normalise(frame):
    """The same dtypes whichever database the rows came from."""
    frame = frame.copy()
    for column in INT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column]).astype("int64")
    for column in FLOAT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    for column in TEXT_COLUMNS:
        values = frame[column].astype(object)  # an all-empty text column arrives as floats (NaN) from the CSV
        frame[column] = values.where(values.notna(), "").astype(str)
    return frame.reset_index(drop=True)


def outcomes(*, cutoff, end, customer_ids):
    """(came back, revenue) per customer of `customer_ids`: bought on a day in (cutoff, end], and how much."""
    d = sql.date_param()
    rows = sql.fetch_all(
        f"SELECT customer_id, SUM(amount) FROM {sql.table(Purchase)} "
        f"WHERE purchased_on > {d} AND purchased_on <= {d} GROUP BY customer_id",
        [cutoff, end],
    )
    revenue = pd.Series({pk: float(amount) for pk, amount in rows}, dtype="float64")
    ids = pd.Index(customer_ids)
    returned = ids.isin(revenue.index)
    return np.asarray(returned), revenue.reindex(ids).fillna(0.0).to_numpy()


# ---------------------------------------------------------------- scores and the back-test


def rule_priority(frame):
    """The brief's rule on a frame."""
    return priority.priority_score(
        days=frame["days_since_last_purchase"].to_numpy(dtype=float), spend_rank=frame["spend_rank"].to_numpy(dtype=float),
        purchase_days=frame["purchase_days"].to_numpy(dtype=float), is_key_account=frame["is_key_account"].to_numpy(),
    )


def list_order(score, frame):
    """The order of the dormant list: customers excluded from targeting after all others, then by score."""
    excluded = (frame["exclusion_reason"].to_numpy() != "").astype(float)
    return np.asarray(score, dtype=float) - 1000.0 * excluded


def score_table(frame, model=None):
    """Every score of SCORES (but `priority`) for the rows of `frame`; the learned ones only with a model."""
    table = {
        "recency": -frame["days_since_last_purchase"].to_numpy(dtype=float),
        "purchase_days": frame["purchase_days"].to_numpy(dtype=float),
        "spend": frame["total_amount"].to_numpy(dtype=float),
        "p_alive": frame["p_alive"].to_numpy(dtype=float),
        "p_alive_bgnbd": frame["p_alive_bgnbd"].to_numpy(dtype=float),
        "expected_purchases_90d": frame["expected_purchases_90d"].to_numpy(dtype=float),
        "priority_rule": list_order(rule_priority(frame), frame),
    }
    if model is not None:
        probability = model.probability(frame)
        table["return_probability"] = probability
        table["priority_learned"] = list_order(learned.priority_from(probability, frame), frame)
    return {name: np.nan_to_num(values, nan=-1.0) for name, values in table.items()}


def choose_priority(populations):
    """'learned' when its back-test beats the rule among the targets on both figures the page shows (higher AUC,
    and at least the rule's share of returners in the top 10 %); otherwise 'rule'."""
    scores = populations.get("targets", {}).get("scores", {})
    mine, rule = scores.get("priority_learned"), scores.get("priority_rule")
    if not mine or not rule or mine["auc"] is None or rule["auc"] is None:
        return "rule"
    beats = mine["auc"] > rule["auc"] and (mine["top10_hit"] or 0) >= (rule["top10_hit"] or 0)
    return "learned" if beats else "rule"


@dataclass
class BacktestData:
    """What a back-test scored, per customer of the cut-off (for the figures, and for benchmarks that compare the
    scores with a known truth)."""

    frame: pd.DataFrame
    scores: dict
    returned: np.ndarray
    revenue: np.ndarray
    model: object
    model_info: dict


def backtest_data(*, as_of, horizon_days, frames=None, rule_set=None):
    """Frame, scores and outcomes at the cut-off as_of − horizon_days. `frames`: a cache {cutoff: frame}."""
    frames = frames if frames is not None else {}
    cutoff = as_of - datetime.timedelta(days=horizon_days)
    rule_set = rule_set if rule_set is not None else scan_rules()
    frame = frames.get(cutoff)
    if frame is None:
        frame = frames[cutoff] = cutoff_frame(cutoff=cutoff, rule_set=rule_set)
    returned, revenue = outcomes(cutoff=cutoff, end=as_of, customer_ids=frame["customer_id"])
    # The learned model as the engine would have had it on the cut-off: fitted on cut-offs before it only.
    model, model_info = learned.fit_return_model(as_of=cutoff, horizon_days=horizon_days, frames=frames,
                                                 rule_set=rule_set)
    return BacktestData(frame, score_table(frame, model), returned, revenue, model, model_info)


def ranking_backtest(*, as_of, horizon_days=DEFAULT_HORIZON_DAYS, frames=None, rule_set=None):
    """The back-test for date `as_of` (see the module docstring). `frames`: a cache {cutoff: frame} shared with the
    model fit of the same night (the learned model for as_of trains on the back-test's cut-off)."""
    started = time.perf_counter()
    cutoff = as_of - datetime.timedelta(days=horizon_days)
    result = {
        "as_of": as_of.isoformat(), "cutoff": cutoff.isoformat(), "horizon_days": horizon_days,
        "populations": {}, "priority_in_force": "rule", "why": "",
    }
    returners = returner_count(cutoff=cutoff, end=as_of)
    result["returners"] = returners
    if returners < MIN_RETURNERS:
        result["why"] = "too_short"
        result["seconds"] = round(time.perf_counter() - started, 2)
        return result
    data = backtest_data(as_of=as_of, horizon_days=horizon_days, frames=frames, rule_set=rule_set)
    result["model"] = data.model_info
    targets = data.frame["status"].isin(TARGET_STATUSES).to_numpy()
    for name, mask in (("all", np.ones(len(data.frame), dtype=bool)), ("targets", targets)):
        returned, revenue = data.returned[mask], data.revenue[mask]
        population = {
            "customers": int(mask.sum()), "returners": int(returned.sum()), "returner_revenue": float(revenue.sum()),
            "scores": {},
        }
        for score in SCORES:
            if score in data.scores:
                population["scores"][score] = ranking_figures(data.scores[score][mask], returned, revenue)
        result["populations"][name] = population
    choice = choose_priority(result["populations"])
    for population in result["populations"].values():
        population["scores"]["priority"] = dict(population["scores"][f"priority_{choice}"])
    result["priority_in_force"] = choice
    result["why"] = "learned_beats_rule" if choice == "learned" else (
        "rule_not_beaten" if data.model is not None else data.model_info.get("skipped", "no_model")
    )
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
