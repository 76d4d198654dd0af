"""What the manager and the reps see of the ranking: the rules page's back-test in plain words, and "why this rank"
on the customer card."""
import datetime

import pytest
from django.urls import reverse

from crm.dormancy import learned
from crm.dormancy.models import CustomerDormancy, RankingEvaluation
from crm.dormancy.tests.dormancy_support import AS_OF, customer_with, make_customer

pytestmark = pytest.mark.django_db
CUTOFF = AS_OF - datetime.timedelta(days=90)


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def figures(list_top10=0.59, recency_top10=0.55):
    def score(auc, top10, top20, revenue):
        return {"auc": auc, "top10_hit": top10, "top20_hit": top20, "top10_revenue_share": revenue}

    scores = {
        "recency": score(0.66, recency_top10, 0.40, 0.45), "purchase_days": score(0.65, 0.57, 0.43, 0.44),
        "spend": score(0.65, 0.49, 0.38, 0.46), "p_alive": score(0.44, 0.27, 0.22, 0.19),
        "expected_purchases_90d": score(0.66, 0.59, 0.42, 0.45), "priority_rule": score(0.67, 0.58, 0.43, 0.46),
        "priority_learned": score(0.68, list_top10, 0.44, 0.47), "priority": score(0.68, list_top10, 0.44, 0.47),
    }
    return {"as_of": AS_OF.isoformat(), "cutoff": CUTOFF.isoformat(), "horizon_days": 90, "returners": 3718,
            "populations": {"targets": {"customers": 18066, "returners": 3718, "scores": scores}}}


def model():
    coefficients = [0.0] * len(learned.FEATURE_NAMES)
    names = learned.FEATURE_NAMES
    coefficients[names.index("recency")] = -1.0
    coefficients[names.index("purchase_days")] = 0.8
    return learned.ReturnModel(
        features=names, coefficients=coefficients, intercept=1.0, means=[0.0] * len(names), label_days=90,
        horizon_days=90, cutoffs=[CUTOFF.isoformat()],
    )


class TestRankingOnTheRulesPage:
    def test_it_says_in_plain_words_how_the_list_did_a_quarter_ago(self, client_for, manager):
        RankingEvaluation.objects.create(as_of=AS_OF, horizon_days=90, cutoff=CUTOFF, method="learned",
                                         why="learned_beats_rule", figures=figures(), model=model().to_dict())
        response = client_for(manager).get(reverse("dormancy:rules"))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-method="learned"' in html
        assert "beat the rule in the back-test" in html
        assert (f"as it would have stood on {CUTOFF:%Y-%m-%d}, 59 % bought again within the next 90 days; "
                "ranked by recency alone (shortest dormancy first): 55 %.") in html
        assert "Of all 18066 customers on that list, 21 % bought again; its top 10 % brought 47 % of their revenue." in html
        chart = response.context["ranking"]["chart"]
        assert chart["labels"][:4] == ["This list", "The rule", "Learned model", "Recency alone"]
        assert chart["top10"][:4] == [59, 58, 59, 55]
        assert 'id="ranking-chart-data"' in html and "vendor/chartjs/chart.umd.min.js" in html

    def test_it_says_the_rule_stays_when_the_history_is_too_short(self, client_for, manager):
        RankingEvaluation.objects.create(as_of=AS_OF, horizon_days=90, cutoff=CUTOFF, method="rule", why="too_short",
                                         figures={"returners": 12, "populations": {}})
        html = client_for(manager).get(reverse("dormancy:rules")).content.decode()
        assert 'data-method="rule"' in html
        assert "Too little history to check a ranking: 12 customers bought again after the cut-off, at least 200" in html
        assert "most recently dormant first, big and frequent buyers first" in html
        assert "ranking-chart" not in html

    def test_it_says_the_rule_stays_when_the_model_did_not_beat_it(self, client_for, manager):
        RankingEvaluation.objects.create(as_of=AS_OF, horizon_days=90, cutoff=CUTOFF, method="rule",
                                         why="rule_not_beaten", figures=figures(list_top10=0.58))
        html = client_for(manager).get(reverse("dormancy:rules")).content.decode()
        assert "did not beat the rule in the back-test, so the rule stays in force" in html

    def test_it_says_the_check_has_not_run_yet(self, client_for, manager):
        html = client_for(manager).get(reverse("dormancy:rules")).content.decode()
        assert 'data-testid="ranking-none"' in html

    def test_it_lists_the_earlier_checks(self, client_for, manager):
        for weeks in range(3):
            day = AS_OF - datetime.timedelta(days=7 * weeks)
            RankingEvaluation.objects.create(as_of=day, horizon_days=90, cutoff=day - datetime.timedelta(days=90),
                                             method="rule", why="rule_not_beaten", figures=figures())
        html = client_for(manager).get(reverse("dormancy:rules")).content.decode()
        assert html.count('data-testid="ranking-history"') == 1
        assert f"{AS_OF - datetime.timedelta(days=14):%Y-%m-%d}" in html


class TestWhyThisRankOnTheCard:
    def test_it_names_the_models_largest_factors(self, client_for, rep):
        RankingEvaluation.objects.create(as_of=AS_OF, horizon_days=90, cutoff=CUTOFF, method="learned",
                                         why="learned_beats_rule", figures=figures(), model=model().to_dict())
        customer = customer_with([400, 300, 200], amount=20_000)
        CustomerDormancy.objects.create(customer=customer, status="dormant", rule="inactivity",
                                        days_since_last_purchase=200, priority_score=12.0, return_probability=0.15,
                                        as_of=AS_OF)
        from customers.purchases.summary import refresh_purchase_summaries

        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[customer.pk])
        html = client_for(rep).get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert 'data-testid="rank-why" data-learned="1"' in html
        assert "Chance of buying within 90 days: 15 %." in html
        # log(1 + 200) × −1 lowers it most, then log(3) × 0.8 raises it (against an all-zero average customer).
        assert html.index('data-feature="recency"') < html.index('data-feature="purchase_days"')
        assert "last purchase 200 days ago" in html and "bought on 3 days" in html

    def test_it_shows_the_rules_figures_while_the_rule_is_in_force(self, client_for, rep):
        customer = customer_with([400, 200], amount=30_000, is_key_account=True)
        CustomerDormancy.objects.create(customer=customer, status="dormant", rule="inactivity",
                                        days_since_last_purchase=200, priority_score=40.0, as_of=AS_OF)
        from customers.purchases.summary import refresh_purchase_summaries

        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[customer.pk])
        html = client_for(rep).get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert 'data-testid="rank-why" data-learned="0"' in html
        assert "most recently dormant first" in html
        assert "last purchase 200 days ago · bought on 2 days · spent 60,000 yen in all · key account" in html

    def test_it_says_nothing_for_a_customer_without_a_priority(self, client_for, rep):
        customer = make_customer("稼働中")
        CustomerDormancy.objects.create(customer=customer, status="active", days_since_last_purchase=5, as_of=AS_OF)
        html = client_for(rep).get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert 'data-testid="rank-why"' not in html
