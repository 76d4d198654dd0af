"""The ranking's back-test on the company's own history, the learned priority and which one is in force.

Figures are checked on hand-worked examples; the back-test must never read a purchase after its cut-off; the rule
stays in force on a short history and the learned model only where it beats the rule.
"""
import datetime
import io
import json
import random

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from sklearn.metrics import roc_auc_score

from crm.dormancy import backtest, learned, priority, ranking
from crm.dormancy.models import CustomerDormancy, RankingEvaluation
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, buy, make_customer
from customers.models import Purchase, Touchpoint

HORIZON = 90
CUTOFF = AS_OF - datetime.timedelta(days=HORIZON)


def before_cutoff(days):
    return CUTOFF - datetime.timedelta(days=days)


def after_cutoff(days):
    return CUTOFF + datetime.timedelta(days=days)


def history(n=80, seed=3, years=2):
    """Customers buying at their own pace, some of them stopping: a small company with `years` of history."""
    rng = random.Random(seed)
    first_day = AS_OF - datetime.timedelta(days=365 * years)
    rows, customers = [], []
    for k in range(n):
        customer = make_customer(f"顧客{k}", is_key_account=k % 13 == 0)
        customers.append(customer)
        every = rng.choice([15, 30, 60, 120, 240])
        day = first_day + datetime.timedelta(days=rng.randrange(0, 300))
        stop = AS_OF + datetime.timedelta(days=1) if rng.random() < 0.5 else day + datetime.timedelta(
            days=rng.randrange(30, 700))
        while day <= min(stop, AS_OF):
            rows.append(Purchase(customer=customer, purchased_on=day, amount=rng.randrange(2_000, 60_000),
                                 row_key=f"h{seed}-{len(rows)}"))
            day += datetime.timedelta(days=max(1, round(rng.expovariate(1 / every))))
    Purchase.objects.bulk_create(rows)
    return customers


@pytest.fixture
def small_thresholds(monkeypatch):
    """Back-test and fit on a few dozen customers (the product asks for hundreds)."""
    monkeypatch.setattr(backtest, "MIN_RETURNERS", 3)
    monkeypatch.setattr(learned, "MIN_CLASS_ROWS", 5)


# ---------------------------------------------------------------- figures


class TestFigures:
    def test_it_counts_ties_half_in_the_auc(self):
        # Returners score 3 and 2, the others 2 and 1: pairs 3>2, 3>1, 2=2 (half), 2>1 → 3.5 / 4.
        assert backtest.auc([3, 2, 2, 1], [True, True, False, False]) == 0.875

    def test_it_takes_the_customers_tied_at_the_boundary_fractionally(self):
        scores = [5, 4, 4, 4, 0, 0, 0, 0, 0, 0]
        returned = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        # Top 20 % = 2 customers: the 5 (came back) and one of the three 4s, of whom one in three came back.
        assert backtest.top_sum(scores, returned, 0.2) == pytest.approx(1 + 1 / 3)
        assert backtest.ranking_figures(np.array(scores, dtype=float), np.array(returned, dtype=bool),
                                        np.array(returned, dtype=float) * 100)["top20_hit"] == pytest.approx(0.6667)

    def test_it_gives_the_revenue_share_of_the_top_10_percent(self):
        scores = np.arange(10, 0, -1, dtype=float)
        revenue = np.array([50, 0, 0, 0, 0, 0, 0, 0, 150, 0], dtype=float)
        figures = backtest.ranking_figures(scores, revenue > 0, revenue)
        assert (figures["top10_hit"], figures["top10_revenue_share"]) == (1.0, 0.25)

    def test_it_agrees_with_an_independent_computation(self):
        rng = np.random.default_rng(5)
        days = rng.integers(0, 60, 3_000).astype(float)  # many ties, as recency has
        returned = rng.random(3_000) < 1 / (1 + days / 10)
        assert backtest.auc(-days, returned) == pytest.approx(roc_auc_score(returned, -days), abs=1e-12)
        # The top 10 % by random tie-breaking, averaged over many orders, converges to the fractional count.
        orders = [np.lexsort((rng.random(3_000), days))[:300] for _ in range(400)]
        shuffled = np.mean([returned[o].mean() for o in orders])
        assert backtest.top_sum(-days, returned, 0.1) / 300 == pytest.approx(shuffled, abs=0.01)


# ---------------------------------------------------------------- the back-test on a hand-checked example


@pytest.fixture
def ten_customers():
    """Ten customers, each bought 400 days before the cut-off and again `last` days before it; four came back."""
    came_back = {10: 1_000, 30: 2_000, 200: 3_000, 230: 4_000}
    for last in (10, 20, 30, 40, 200, 210, 220, 230, 240, 250):
        customer = make_customer(f"顧客{last}")
        buy(customer, before_cutoff(400))
        buy(customer, before_cutoff(last))
        if last in came_back:
            buy(customer, after_cutoff(5 + last % 7), came_back[last])


@pytest.mark.django_db
class TestBacktestCommand:
    def test_it_writes_the_documented_figures_worked_by_hand(self, ten_customers, small_thresholds, tmp_path):
        path = tmp_path / "backtest.json"
        call_command("backtest_ranking", as_of=AS_OF.isoformat(), horizon=HORIZON, json=str(path), stdout=io.StringIO())
        figures = json.loads(path.read_text())
        assert (figures["cutoff"], figures["horizon_days"]) == (CUTOFF.isoformat(), HORIZON)
        everyone, targets = figures["populations"]["all"], figures["populations"]["targets"]
        assert (everyone["customers"], everyone["returners"]) == (10, 4)
        # By recency, lowest first: 250 240 230* 220 210 200* 40 30* 20 10* → returner ranks 3+6+8+10 = 27;
        # AUC = (27 − 4·5/2) / (4·6) = 17/24. Top 10 % = the 10-day customer (came back, 1,000 of 10,000 yen);
        # top 20 % = the 10- and 20-day customers, one of two came back.
        assert everyone["scores"]["recency"] == {
            "auc": round(17 / 24, 4), "top10_hit": 1.0, "top20_hit": 0.5, "top10_revenue_share": 0.1,
        }
        # Targets: the six quiet for 180+ days (dormant at the cut-off); 200* and 230* came back. Ranks 3 + 6 →
        # AUC (9 − 3) / 8; top 10 % = 0.6 customer: the 200-day one; top 20 % = 1.2: 200 and a fifth of 210;
        # revenue: 0.6 × 3,000 of 7,000 yen.
        assert (targets["customers"], targets["returners"]) == (6, 2)
        assert targets["scores"]["recency"] == {
            "auc": 0.75, "top10_hit": 1.0, "top20_hit": round(1 / 1.2, 4), "top10_revenue_share": round(1800 / 7000, 4),
        }
        for population in (everyone, targets):
            for name in ("recency", "purchase_days", "spend", "p_alive", "expected_purchases_90d", "priority"):
                assert set(population["scores"][name]) >= {"auc", "top10_hit", "top20_hit", "top10_revenue_share"}

    def test_it_says_when_the_history_is_too_short(self, ten_customers):
        out = io.StringIO()
        call_command("backtest_ranking", as_of=AS_OF.isoformat(), stdout=out)
        assert "too little history: 4 customers came back" in out.getvalue()

    def test_it_refuses_a_bad_date(self):
        with pytest.raises(CommandError):
            call_command("backtest_ranking", as_of="30/06/2026", stdout=io.StringIO())


@pytest.mark.django_db
class TestNoLeak:
    def test_no_feature_or_score_reads_a_purchase_after_the_cutoff(self, small_thresholds):
        customers = history(n=60)
        first = backtest.backtest_data(as_of=AS_OF, horizon_days=HORIZON)
        assert first.model is not None  # the learned features are covered too
        later = Purchase.objects.filter(purchased_on__gt=CUTOFF).order_by("pk")
        moved = later.first()
        moved.purchased_on, moved.amount = AS_OF, moved.amount * 7
        moved.save(update_fields=["purchased_on", "amount"])
        newcomer = next(c for c in customers if not Purchase.objects.filter(customer=c, purchased_on__gt=CUTOFF).exists())
        buy(newcomer, after_cutoff(1), 99_999)  # a customer who did not come back now did, the day after the cut-off
        Touchpoint.objects.create(customer=newcomer, department="sales", channel="visit", summary="訪問",
                                  occurred_at=datetime.datetime.combine(after_cutoff(1), datetime.time(10),
                                                                        tzinfo=datetime.UTC))
        second = backtest.backtest_data(as_of=AS_OF, horizon_days=HORIZON)
        assert second.frame.equals(first.frame)
        for name, values in first.scores.items():
            assert np.array_equal(values, second.scores[name]), name
        assert second.returned.sum() == first.returned.sum() + 1  # the outcome did move

    def test_a_purchase_on_the_cutoff_day_is_before_and_the_next_day_after(self, small_thresholds):
        on_the_day, next_day, last_day, too_late = (make_customer(f"境界{k}") for k in range(4))
        for customer in (on_the_day, next_day, last_day, too_late):
            buy(customer, before_cutoff(300))
        buy(on_the_day, CUTOFF)
        buy(next_day, after_cutoff(1))
        buy(last_day, AS_OF)
        buy(too_late, AS_OF + datetime.timedelta(days=1))
        frame = backtest.cutoff_frame(cutoff=CUTOFF)
        returned, _ = backtest.outcomes(cutoff=CUTOFF, end=AS_OF, customer_ids=frame["customer_id"])
        by_id = dict(zip(frame["customer_id"], returned, strict=True))
        days = dict(zip(frame["customer_id"], frame["days_since_last_purchase"], strict=True))
        assert days[on_the_day.pk] == 0 and not by_id[on_the_day.pk]
        assert by_id[next_day.pk] and by_id[last_day.pk] and not by_id[too_late.pk]


# ---------------------------------------------------------------- which priority is in force


def evaluation_figures(learned_top10, rule_top10, learned_auc, rule_auc):
    return {"targets": {"scores": {
        "priority_learned": {"auc": learned_auc, "top10_hit": learned_top10},
        "priority_rule": {"auc": rule_auc, "top10_hit": rule_top10},
    }}}


class TestChoice:
    def test_it_chooses_the_model_when_it_beats_the_rule_on_both_figures(self):
        assert backtest.choose_priority(evaluation_figures(0.60, 0.59, 0.70, 0.68)) == "learned"

    def test_it_keeps_the_rule_when_the_model_is_behind_on_either_figure(self):
        assert backtest.choose_priority(evaluation_figures(0.58, 0.59, 0.70, 0.68)) == "rule"
        assert backtest.choose_priority(evaluation_figures(0.60, 0.59, 0.67, 0.68)) == "rule"
        assert backtest.choose_priority(evaluation_figures(0.60, 0.60, 0.68, 0.68)) == "rule"

    def test_it_keeps_the_rule_without_a_model(self):
        assert backtest.choose_priority({"targets": {"scores": {"priority_rule": {"auc": 0.6, "top10_hit": 0.5}}}}) == "rule"

    def test_the_model_learns_only_from_outcomes_known_on_its_date(self):
        label_days, cutoffs = learned.training_plan(as_of=AS_OF, horizon_days=90, first_day=AS_OF.replace(year=2020))
        assert label_days == 90 and len(cutoffs) == learned.MAX_CUTOFFS
        assert all(c + datetime.timedelta(days=label_days) <= AS_OF for c in cutoffs)
        short, cutoffs = learned.training_plan(as_of=AS_OF, horizon_days=90, first_day=AS_OF - datetime.timedelta(120))
        assert short == 60 and cutoffs == [AS_OF - datetime.timedelta(days=60)]
        assert learned.training_plan(as_of=AS_OF, horizon_days=90, first_day=AS_OF - datetime.timedelta(50)) is None


@pytest.mark.django_db
class TestRankingInForce:
    def test_it_keeps_the_rule_on_a_short_history(self):
        history(n=30, years=1)
        run = scan_dormancy(as_of=AS_OF)
        evaluation = RankingEvaluation.objects.get()
        assert (evaluation.method, evaluation.why, evaluation.model) == ("rule", "too_short", {})
        assert run.counts["ranking"]["method"] == "rule"
        for d in CustomerDormancy.objects.filter(priority_score__isnull=False).select_related("customer__purchase_summary"):
            assert d.return_probability is None
            summary = d.customer.purchase_summary
            assert d.priority_score <= priority.priority_score(
                days=d.days_since_last_purchase, spend_rank=1, purchase_days=summary.purchase_days, is_key_account=True
            ) + 1e-6

    def test_it_keeps_the_rule_when_the_model_does_not_beat_it(self, small_thresholds, monkeypatch):
        history(n=60)
        monkeypatch.setattr(backtest, "choose_priority", lambda populations: "rule")
        scan_dormancy(as_of=AS_OF)
        evaluation = RankingEvaluation.objects.get()
        assert (evaluation.method, evaluation.why, evaluation.model) == ("rule", "rule_not_beaten", {})
        assert not CustomerDormancy.objects.filter(return_probability__isnull=False).exists()

    def test_it_ranks_by_the_learned_model_once_it_beat_the_rule(self, small_thresholds, monkeypatch):
        history(n=60)
        monkeypatch.setattr(backtest, "choose_priority", lambda populations: "learned")
        run = scan_dormancy(as_of=AS_OF)
        assert run.outcome == "succeeded", run.error
        evaluation = RankingEvaluation.objects.get()
        assert (evaluation.method, evaluation.why) == ("learned", "learned_beats_rule")
        model = learned.ReturnModel.from_dict(evaluation.model)
        assert all(datetime.date.fromisoformat(c) + datetime.timedelta(days=model.label_days) <= AS_OF
                   for c in model.cutoffs)
        # The scan computes the model in SQL; the same model in numpy on the same day's figures agrees.
        frame = backtest.cutoff_frame(cutoff=AS_OF).set_index("customer_id")
        scored = list(CustomerDormancy.objects.filter(priority_score__isnull=False))
        assert scored
        for d in scored:
            row = frame.loc[[d.customer_id]]
            assert d.return_probability == pytest.approx(model.probability(row)[0], abs=2e-6)
            assert d.priority_score == pytest.approx(
                priority.learned_priority(probability=d.return_probability, spend_rank=row["spend_rank"].iloc[0]),
                abs=1e-4,
            )

    def test_it_evaluates_once_a_week_and_not_again_on_a_rerun(self):
        history(n=20, years=1)
        first = scan_dormancy(as_of=AS_OF)
        again = scan_dormancy(as_of=AS_OF)
        later = scan_dormancy(as_of=AS_OF + datetime.timedelta(days=3))
        week = scan_dormancy(as_of=AS_OF + datetime.timedelta(days=7))
        assert [r.counts["ranking"].get("evaluated", False) for r in (first, again, later, week)] == [
            True, False, False, True]
        assert again.counts["rows_written"] == {"updated": 0, "inserted": 0, "deleted": 0}
        assert RankingEvaluation.objects.count() == 2

    def test_a_failed_evaluation_leaves_the_scan_and_the_rule_in_force(self, monkeypatch):
        history(n=20, years=1)

        def fail(**kwargs):
            raise ValueError("bad week")

        monkeypatch.setattr(ranking, "ranking_evaluate", fail)
        run = scan_dormancy(as_of=AS_OF)
        assert run.outcome == "succeeded"
        assert run.counts["ranking"] == {"error": "ValueError: bad week", "method": "rule"}
        assert CustomerDormancy.objects.filter(priority_score__isnull=False).exists()
