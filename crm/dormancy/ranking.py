"""Which priority is in force, checked weekly on the company's own history: a step of the nightly scan.

    ranking_for_scan(*, as_of, rule_set) -> (RankingEvaluation or None, ReturnModel or None, counts)
    ranking_evaluate(*, as_of, rule_set=None, horizon_days=90) -> RankingEvaluation
    ranking_overview() / rank_explanation(dormancy): what the rules page and the card say about it (reads)

Weekly (EVALUATE_EVERY_DAYS after the last evaluation dated on or before the scan's date, or when there is none)
the scan back-tests the ranking at the cut-off as_of − 90 days (crm.dormancy.backtest): the brief's rule against
the model learned only from cut-offs before it. The learned model is put in force only where it beats the rule
(backtest.choose_priority); it is then fitted again on the latest cut-offs, whose outcomes end on as_of, and
stored with the evaluation. With too little history (fewer than backtest.MIN_RETURNERS customers who came back
after the cut-off, or too few to fit a model) the rule stays. The rules page says which is in force and why.

Between evaluations the scan reuses the last one: scoring is then one SQL expression of the staging statement,
no fit. Running a scan twice for a date finds that date's evaluation and writes nothing; everything happens in
the scan's transaction, and an evaluation that fails leaves the previous one in force (the error is in the run's
counts), so a bad week of data never stops the statuses from being updated.
"""
import datetime
import logging
import time

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import backtest, learned, rules
from .models import RankingEvaluation

logger = logging.getLogger(__name__)

HORIZON_DAYS = backtest.DEFAULT_HORIZON_DAYS
EVALUATE_EVERY_DAYS = 7


def latest_evaluation(*, as_of, horizon_days=HORIZON_DAYS):
    """The newest evaluation dated on or before `as_of` (a scan of a past date uses what was known then)."""
    return (
        RankingEvaluation.objects.filter(as_of__lte=as_of, horizon_days=horizon_days)
        .order_by("-as_of", "-pk").first()
    )


def model_of(evaluation):
    """The learned model an evaluation put in force, or None for the rule."""
    if evaluation is None or evaluation.method != RankingEvaluation.Method.LEARNED or not evaluation.model:
        return None
    return learned.ReturnModel.from_dict(evaluation.model)


def ranking_evaluate(*, as_of, rule_set=None, horizon_days=HORIZON_DAYS):
    """Back-test, choose, fit the chosen model for `as_of`, store. Idempotent for a date (update_or_create)."""
    started = time.perf_counter()
    rule_set = rule_set if rule_set is not None else rules.load_rules()
    frames = {}  # cut-off frames shared by the back-test and the fit (the fit's newest cut-off is the back-test's)
    figures = backtest.ranking_backtest(as_of=as_of, horizon_days=horizon_days, frames=frames, rule_set=rule_set)
    method, why, model_data = RankingEvaluation.Method.RULE, figures["why"], {}
    if figures["priority_in_force"] == "learned":
        model, info = learned.fit_return_model(as_of=as_of, horizon_days=horizon_days, frames=frames,
                                               rule_set=rule_set)
        figures["model_in_force"] = info
        if model is None:
            why = info.get("skipped", "no_model")
        else:
            method, model_data = RankingEvaluation.Method.LEARNED, model.to_dict()
    evaluation, _ = RankingEvaluation.objects.update_or_create(
        as_of=as_of, horizon_days=horizon_days,
        defaults={
            "cutoff": as_of - datetime.timedelta(days=horizon_days), "method": method, "why": why,
            "figures": figures, "model": model_data, "seconds": round(time.perf_counter() - started, 2),
        },
    )
    return evaluation


def ranking_for_scan(*, as_of, rule_set):
    """The evaluation and model the scan of `as_of` ranks by, evaluating first when the last one is a week old."""
    latest = latest_evaluation(as_of=as_of)
    counts = {}
    if latest is None or (as_of - latest.as_of).days >= EVALUATE_EVERY_DAYS:
        try:
            with transaction.atomic():  # a savepoint: a failed evaluation leaves the scan's work intact
                latest = ranking_evaluate(as_of=as_of, rule_set=rule_set)
            counts["evaluated"] = True
            counts["seconds"] = latest.seconds
        except Exception as exc:  # recorded and logged; the previous evaluation (or the rule) stays in force
            logger.exception("ranking evaluation for %s failed", as_of)
            counts["error"] = f"{type(exc).__name__}: {exc}"[:500]
            latest = latest_evaluation(as_of=as_of)
    if latest is not None:
        counts.update({"method": latest.method, "why": latest.why, "evaluated_on": latest.as_of.isoformat()})
    else:
        counts["method"] = RankingEvaluation.Method.RULE.value
    return latest, model_of(latest), counts


# ---------------------------------------------------------------- reads for the rules page and the card

# The scores the page shows, in its order, with their names for a manager.
SHOWN_SCORES = [
    ("priority", _("This list")),
    ("priority_rule", _("The rule")),
    ("priority_learned", _("Learned model")),
    ("recency", _("Recency alone")),
    ("purchase_days", _("Purchase days")),
    ("spend", _("Past spend")),
    ("p_alive", _("Chance still a customer (BG/NBD)")),
    ("expected_purchases_90d", _("Expected purchases (BG/NBD)")),
]
WHY_TEXTS = {
    "learned_beats_rule": _("The model learned from this company's history beat the rule in the back-test, so it "
                            "ranks the list."),
    "rule_not_beaten": _("The model learned from this company's history did not beat the rule in the back-test, so "
                         "the rule stays in force."),
    "history_too_short": _("Too little history to learn a model from: the list follows the rule."),
    "too_few_returners": _("Too little history to learn a model from: the list follows the rule."),
    "no_model": _("Too little history to learn a model from: the list follows the rule."),
}
RULE_TEXT = _("The rule: most recently dormant first, big and frequent buyers first; small one-time buyers are "
              "excluded.")
HISTORY_LENGTH = 12


def _percent(value):
    return None if value is None else round(100 * value)


def ranking_overview():
    """What the rules page says about the ranking: the priority in force, why, the latest back-test in plain words
    and as chart data, and the earlier back-tests. None before the first evaluation."""
    evaluations = list(
        RankingEvaluation.objects.filter(horizon_days=HORIZON_DAYS).order_by("-as_of", "-pk")[:HISTORY_LENGTH]
    )
    if not evaluations:
        return None
    latest = evaluations[0]
    figures = latest.figures or {}
    targets = (figures.get("populations") or {}).get("targets")
    why = WHY_TEXTS.get(latest.why, "")
    if latest.why == "too_short":
        why = _("Too little history to check a ranking: %(returners)s customers bought again after the cut-off, at "
                "least %(needed)s are needed. The list follows the rule.") % {
            "returners": figures.get("returners", 0), "needed": backtest.MIN_RETURNERS}
    overview = {
        "evaluation": latest, "method_label": latest.get_method_display(), "why": why, "rule_text": RULE_TEXT,
        "is_learned": latest.method == RankingEvaluation.Method.LEARNED, "targets": None, "rows": [], "chart": None,
        "history": [],
    }
    if targets and targets.get("customers"):
        scores = targets["scores"]
        overview["targets"] = {
            "customers": targets["customers"], "returners": targets["returners"],
            "base_rate": round(100 * targets["returners"] / targets["customers"]),
            "list_top10": _percent(scores["priority"]["top10_hit"]),
            "recency_top10": _percent(scores["recency"]["top10_hit"]),
            "list_revenue_top10": _percent(scores["priority"]["top10_revenue_share"]),
        }
        rows = [
            {"key": key, "label": str(label), **{k: _percent(v) if k != "auc" else v for k, v in scores[key].items()}}
            for key, label in SHOWN_SCORES if key in scores
        ]
        overview["rows"] = rows
        overview["chart"] = {
            "labels": [r["label"] for r in rows], "top10": [r["top10_hit"] for r in rows],
            "top20": [r["top20_hit"] for r in rows],
            "series": [str(_("Top 10 %: bought again (%)")), str(_("Top 20 %: bought again (%)"))],
        }
    for evaluation in evaluations:
        scores = (((evaluation.figures or {}).get("populations") or {}).get("targets") or {}).get("scores") or {}
        overview["history"].append({
            "as_of": evaluation.as_of, "method_label": evaluation.get_method_display(),
            "list_top10": _percent((scores.get("priority") or {}).get("top10_hit")),
            "recency_top10": _percent((scores.get("recency") or {}).get("top10_hit")),
        })
    return overview


def rank_explanation(dormancy, customer):
    """Why a scored customer ranks where they do, for the card: the learned model's largest contributions in words,
    or the rule's figures. None for a customer without a priority. Reads the customer's purchase summary through
    `customer` (the card loads it with the customer) and, for the learned model only, its evaluation and contacts."""
    if dormancy is None or dormancy.priority_score is None:
        return None
    from customers.models import CustomerPurchaseSummary

    try:
        summary = customer.purchase_summary
    except CustomerPurchaseSummary.DoesNotExist:
        summary = None
    model = model_of(latest_evaluation(as_of=dormancy.as_of)) if dormancy.return_probability is not None else None
    frame = _card_frame(dormancy, customer, summary, model)
    if model is not None:
        return {
            "is_learned": True, "percent": round(100 * dormancy.return_probability), "days": model.horizon_days,
            "factors": learned.explain(model, frame),
        }
    row = frame.iloc[0]
    factors = [
        {"text": learned.BY_NAME["recency"].label % {"value": int(row["days_since_last_purchase"])}},
        {"text": learned.BY_NAME["purchase_days"].label % {"value": int(row["purchase_days"])}},
        {"text": learned.BY_NAME["spend"].label % {"value": f"{int(row['total_amount']):,}"}},
    ]
    if row["is_key_account"]:
        factors.append({"text": str(learned.BY_NAME["key_account"].label)})
    return {"is_learned": False, "rule_text": RULE_TEXT, "factors": factors}


def _card_frame(dormancy, customer, summary, model):
    """The one customer's features as of the scan, from the stored state and the purchase summary."""
    from customers.models import Touchpoint

    touchpoints = 0
    if model is not None and model.coefficients[model.features.index("touchpoints")]:
        start, end = learned.touchpoint_window(dormancy.as_of)
        touchpoints = Touchpoint.objects.filter(customer_id=dormancy.customer_id, occurred_at__gte=start,
                                                occurred_at__lt=end).count()
    first = summary.first_purchase_on if summary and summary.first_purchase_on else dormancy.as_of
    median = summary.median_interval_days if summary else None
    return pd.DataFrame([{
        "days_since_last_purchase": dormancy.days_since_last_purchase or 0,
        "purchase_days": summary.purchase_days if summary else 1,
        "total_amount": summary.total_amount if summary else 0,
        "amount_last_12m": summary.amount_last_12m if summary else 0,
        "amount_prev_12m": summary.amount_prev_12m if summary else 0,
        "median_interval_days": np.nan if median is None else float(median),
        "tenure_days": (dormancy.as_of - first).days,
        "p_alive": np.nan if dormancy.p_alive is None else dormancy.p_alive,
        "expected_purchases_90d": np.nan if dormancy.expected_purchases_90d is None else dormancy.expected_purchases_90d,
        "reason": dormancy.reason or "", "is_key_account": int(customer.is_key_account),
        "touchpoints_365d": touchpoints,
    }])
