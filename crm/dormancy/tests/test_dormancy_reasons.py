"""Why customers went quiet (product, price, customer side, unknown), the priority score and the exclusions."""
import pytest

from crm.dormancy import priority
from crm.dormancy.models import CustomerDormancy, DormancyRule, RuleCode
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, buy_on_days, customer_with, make_customer, product
from customers.models import MarketEvent, PriceChange

pytestmark = pytest.mark.django_db
STEADY = [700, 640, 580, 520, 460, 400, 340, 280, 220]  # 9 purchase days over 480 days, last one 220 days ago


def scan():
    run = scan_dormancy(as_of=AS_OF)
    assert run.outcome == "succeeded", run.error
    return run


def reason(customer):
    return CustomerDormancy.objects.get(customer=customer).reason


class TestReasons:
    def test_it_blames_the_product_for_two_purchase_days(self):
        c = customer_with([500, 200])
        scan()
        assert reason(c) == "product"

    def test_it_blames_the_product_when_first_to_last_is_90_days(self):
        c = customer_with([290, 260, 230, 200])
        scan()
        assert reason(c) == "product"

    def test_it_does_not_blame_the_product_at_91_days(self):
        c = customer_with([291, 260, 230, 200])
        scan()
        assert reason(c) == "unknown"

    def test_it_blames_a_price_rise_of_a_product_they_bought_within_90_days_before_stopping(self):
        cement = product("SEMENT", "セメント")
        c = buy_on_days(make_customer(), STEADY, product=cement)
        PriceChange.objects.create(product=cement, changed_on=ago(220 + 90), old_price=1000, new_price=1200)
        scan()
        assert reason(c) == "price"

    def test_it_ignores_a_rise_91_days_before_the_last_purchase(self):
        cement = product("SEMENT", "セメント")
        c = buy_on_days(make_customer(), STEADY, product=cement)
        PriceChange.objects.create(product=cement, changed_on=ago(220 + 91), old_price=1000, new_price=1200)
        scan()
        assert reason(c) == "customer_side"

    def test_it_ignores_price_cuts_and_products_they_never_bought(self):
        cement, tiles = product("SEMENT", "セメント"), product("TILE", "タイル")
        c = buy_on_days(make_customer(), STEADY, product=cement)
        PriceChange.objects.create(product=cement, changed_on=ago(250), old_price=1200, new_price=1000)
        PriceChange.objects.create(product=tiles, changed_on=ago(250), old_price=1000, new_price=1200)
        scan()
        assert reason(c) == "customer_side"

    def test_it_blames_price_after_a_competitor_event_in_their_category(self):
        cement = product("SEMENT", "セメント")
        c = buy_on_days(make_customer(), STEADY, product=cement)
        MarketEvent.objects.create(
            occurred_on=ago(260), kind=MarketEvent.Kind.COMPETITOR_PRICE_CUT, description="他社値下げ", category="セメント"
        )
        scan()
        assert reason(c) == "price"

    def test_it_ignores_a_competitor_event_in_another_category(self):
        cement = product("SEMENT", "セメント")
        c = buy_on_days(make_customer(), STEADY, product=cement)
        MarketEvent.objects.create(
            occurred_on=ago(260), kind=MarketEvent.Kind.COMPETITOR_LAUNCH, description="新製品", category="塗料"
        )
        scan()
        assert reason(c) == "customer_side"

    def test_it_sees_a_steady_buyer_stopping_as_a_change_on_their_side(self):
        c = customer_with(STEADY)
        scan()
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.status, d.reason) == ("dormant", "customer_side")

    def test_it_needs_six_purchase_days_for_a_steady_buyer(self):
        c = customer_with([700, 580, 460, 340, 220])
        scan()
        assert reason(c) == "unknown"

    def test_it_explains_at_risk_customers_too_and_leaves_active_ones_blank(self):
        at_risk = customer_with([61, 91, 121])
        active = customer_with([5, 35, 65])
        scan()
        assert reason(at_risk) == "product"  # first to last is 60 days
        assert reason(active) == ""


class TestPriority:
    def score(self, customer):
        return CustomerDormancy.objects.get(customer=customer).priority_score

    def test_it_ranks_shorter_dormancy_higher(self):
        recent, old = customer_with([400, 200]), customer_with([400, 300])
        scan()
        assert self.score(recent) > self.score(old)

    def test_it_ranks_larger_past_spend_higher(self):
        big, small = customer_with([400, 200], amount=90_000), customer_with([400, 200], amount=20_000)
        scan()
        assert self.score(big) > self.score(small)

    def test_it_ranks_more_purchase_days_higher(self):
        many = customer_with([500, 450, 400, 350, 300, 250], amount=10_000)
        few = customer_with([500, 250], amount=30_000)  # same total, fewer days
        scan()
        assert self.score(many) > self.score(few)

    def test_it_ranks_key_accounts_higher(self):
        key, plain = customer_with([400, 200], is_key_account=True), customer_with([400, 200])
        scan()
        # Worked by hand from the formula in crm/dormancy/priority.py's docstring. Two buyers: no model, so
        # P = e^(-200/365) = 0.578137; both spent the same (M = 0), F = 2/24; K = 1 adds 0.1 to the value.
        #   key:   100 × 0.578137 × (0.6 + 0 + 0.1 × 2/24 + 0.1) = 40.951
        #   plain: 100 × 0.578137 × (0.6 + 0 + 0.1 × 2/24)       = 35.170
        assert (self.score(key), self.score(plain)) == (pytest.approx(40.951338, abs=1e-5),
                                                        pytest.approx(35.169973, abs=1e-5))

    def test_it_stays_within_0_and_100_and_matches_the_documented_formula(self):
        top = customer_with(list(range(180, 180 + 30 * 25, 30)), amount=1_000_000, is_key_account=True)
        bottom = customer_with([729], amount=1)
        scan()
        # By hand, no model (two buyers): top has every value factor at its maximum (M = 1, 25 days ≥ 24 so
        # F = 1, K = 1: value 1.0), P = e^(-180/365) → 61.070; bottom spent least (M = 0), F = 1/24, K = 0,
        # P = e^(-729/365) → 100 × 0.135704 × 0.604167 = 8.199.
        assert self.score(top) == pytest.approx(61.069924, abs=1e-5)
        assert self.score(bottom) == pytest.approx(8.198939, abs=1e-5)

    def test_it_does_not_read_p_alive_when_there_is_a_model(self):
        for k in range(24):
            customer_with([5 + 9 * k, 60 + 9 * k, 200 + 9 * k][: 1 + k % 3], amount=4_000 + 500 * k)
        dormant = customer_with([400, 300, 200], amount=50_000, is_key_account=True)
        scan()
        d = CustomerDormancy.objects.get(customer=dormant)
        assert 0 < d.p_alive < 1
        # The rule (too little history for the learned model): P = e^(-200/365) = 0.578137 whatever p_alive says;
        # the largest total of all buyers (M = 1), 3 purchase days (F = 3/24), a key account (K = 1):
        # 100 × 0.578137 × (0.6 + 0.2 + 0.1 × 3/24 + 0.1) = 52.755.
        assert d.priority_score == pytest.approx(52.754960, abs=1e-5)
        assert d.return_probability is None

    def test_it_ranks_a_frequent_buyer_above_an_occasional_one_silent_as_long(self):
        # "Big and frequent buyers first" at the same silence, although BG/NBD reads 10 missed cycles as a likely
        # loss (its p_alive is lower): p_alive put one-time and occasional buyers first on real data (docs/ranking.md).
        for k in range(24):
            customer_with([5 + 9 * k, 60 + 9 * k, 200 + 9 * k][: 1 + k % 3], amount=4_000 + 500 * k)
        frequent = customer_with(list(range(200, 500, 20)), amount=2_000)  # 15 days, every 20 days
        occasional = customer_with([480, 200], amount=15_000)  # same first, last and total
        scan()
        f, o = (CustomerDormancy.objects.get(customer=c) for c in (frequent, occasional))
        assert f.p_alive < o.p_alive
        assert f.priority_score > o.priority_score

    def test_it_gives_no_score_to_active_customers(self):
        c = customer_with([5])
        scan()
        assert self.score(c) is None


class TestPriorityFormula:
    """The rule itself: falls with the silence, rises with spend, purchase days and key account, within 0–100."""

    base = {"days": 200, "spend_rank": 0.5, "purchase_days": 6, "is_key_account": False}

    def score(self, **changes):
        return priority.priority_score(**{**self.base, **changes})

    def test_it_rises_with_past_spend(self):
        assert self.score(spend_rank=0.2) < self.score(spend_rank=0.5) < self.score(spend_rank=0.9)

    def test_it_rises_with_purchase_days_up_to_the_cap(self):
        assert self.score(purchase_days=2) < self.score(purchase_days=6) < self.score(purchase_days=24)
        assert self.score(purchase_days=30) == self.score(purchase_days=24)

    def test_it_rises_for_key_accounts(self):
        assert self.score() < self.score(is_key_account=True)

    def test_it_falls_with_the_days_of_silence(self):
        assert self.score(days=100) > self.score(days=200) > self.score(days=900) > 0

    def test_it_stays_within_0_and_100(self):
        assert self.score(days=0, spend_rank=1.0, purchase_days=24, is_key_account=True) == pytest.approx(100)
        assert 0 < self.score(days=3650, spend_rank=0.0, purchase_days=1) < 1


class TestExclusions:
    def test_it_excludes_lost_customers_with_the_reason(self):
        c = customer_with([800])
        scan()
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.is_excluded, d.exclusion_reason) == (True, "lost")

    def test_it_targets_lost_customers_when_the_manager_says_so(self):
        DormancyRule.objects.filter(code=RuleCode.LOST).update(is_targeted=True)
        c = customer_with([800])
        scan()
        assert CustomerDormancy.objects.get(customer=c).is_excluded is False

    def test_it_excludes_one_time_buyers_below_10000_yen(self):
        below, at = customer_with([300], amount=9_999), customer_with([300], amount=10_000)
        twice = make_customer()
        buy(twice, ago(400), 3_000)
        buy(twice, ago(300), 3_000)
        scan()
        d = CustomerDormancy.objects.get(customer=below)
        assert (d.is_excluded, d.exclusion_reason) == (True, "one_time_small")
        assert CustomerDormancy.objects.get(customer=at).is_excluded is False
        assert CustomerDormancy.objects.get(customer=twice).is_excluded is False

    def test_it_reads_the_configured_amount(self):
        DormancyRule.objects.filter(code=RuleCode.ONE_TIME).update(amount_yen=50_000)
        c = customer_with([300], amount=30_000)
        scan()
        assert CustomerDormancy.objects.get(customer=c).exclusion_reason == "one_time_small"
