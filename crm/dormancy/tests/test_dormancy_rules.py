"""Each dormancy rule at its boundary, the precedence between rules, and segment overrides (tag, industry)."""
import pytest
from dateutil.relativedelta import relativedelta

from crm.dormancy.models import CustomerDormancy, DormancyRule, RuleCode
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, customer_with, make_customer

pytestmark = pytest.mark.django_db


def verdict(customer):
    d = CustomerDormancy.objects.get(customer=customer)
    return d.status, d.rule


def scan():
    run = scan_dormancy(as_of=AS_OF, triggered_by="test")
    assert run.outcome == "succeeded", run.error
    return run


class TestInactivity:
    def test_it_keeps_a_customer_active_at_179_days(self):
        c = customer_with([179])
        scan()
        assert verdict(c) == ("active", "")

    def test_it_flags_dormant_at_180_days_since_the_threshold_day(self):
        c = customer_with([180])
        scan()
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.status, d.rule, d.days_since_last_purchase) == ("dormant", "inactivity", 180)
        assert d.dormant_since == ago(180) + relativedelta(days=180) == AS_OF

    def test_it_dates_inactivity_from_the_last_purchase_not_the_scan(self):
        c = customer_with([300])
        scan()
        assert CustomerDormancy.objects.get(customer=c).dormant_since == ago(120)


class TestLost:
    def test_it_keeps_729_days_dormant(self):
        c = customer_with([729])
        scan()
        assert verdict(c) == ("dormant", "inactivity")

    def test_it_marks_730_days_lost(self):
        c = customer_with([730])
        scan()
        assert verdict(c) == ("lost", "lost")


class TestHalved:
    def test_it_flags_exactly_half_of_the_previous_year(self):
        c = make_customer()
        buy(c, ago(400), 10_000)
        buy(c, ago(10), 5_000)
        scan()
        assert verdict(c) == ("dormant", "halved")

    def test_it_keeps_just_over_half_active(self):
        c = make_customer()
        buy(c, ago(400), 10_000)
        buy(c, ago(10), 5_001)
        scan()
        assert verdict(c) == ("active", "")

    def test_it_ignores_customers_with_nothing_in_the_earlier_year(self):
        c = customer_with([10], amount=1)
        scan()
        assert verdict(c) == ("active", "")

    def test_it_counts_day_364_in_the_last_year_and_day_365_in_the_one_before(self):
        # Day 364 belongs to the last year (4,999 + 1 = 5,000 vs 10,000 on day 365 → exactly half) …
        c = make_customer()
        buy(c, ago(365), 10_000)
        buy(c, ago(364), 4_999)
        buy(c, ago(5), 1)
        # … and moving the 10,000 to day 364 would put everything in the last year.
        other = make_customer()
        buy(other, ago(364), 10_000)
        buy(other, ago(364), 4_999)
        buy(other, ago(5), 1)
        scan()
        assert verdict(c) == ("dormant", "halved")
        assert verdict(other) == ("active", "")

    def test_it_records_the_first_scan_date_it_held_as_dormant_since(self):
        c = make_customer()
        buy(c, ago(400), 10_000)
        buy(c, ago(10), 5_000)
        scan()
        later = AS_OF + relativedelta(days=7)
        scan_dormancy(as_of=later)
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.rule, d.dormant_since, d.as_of) == ("halved", AS_OF, later)


class TestCycleOverdue:
    def test_it_does_not_flag_exactly_k_times_the_median(self):
        c = customer_with([60, 90, 120])  # median interval 30 days, 60 = 2 × 30
        scan()
        assert verdict(c) == ("active", "")

    def test_it_flags_one_day_past_k_times_the_median(self):
        c = customer_with([61, 91, 121])
        scan()
        assert verdict(c) == ("at_risk", "cycle_overdue")

    def test_it_needs_three_purchase_days(self):
        c = customer_with([61, 91])
        scan()
        assert verdict(c) == ("active", "")

    def test_it_uses_the_median_not_the_mean_interval(self):
        c = customer_with([41, 61, 81, 401])  # gaps 20, 20, 320 → median 20; 41 > 40
        scan()
        assert verdict(c) == ("at_risk", "cycle_overdue")


def _member_history(c, strong_months, last_three_total):
    """Spend 6,000 in `strong_months` of months 3–8 before AS_OF, and `last_three_total` over the last 3 months."""
    for k in range(3, 9):
        on = AS_OF - relativedelta(months=k) - relativedelta(days=3)
        buy(c, on, 6_000 if k < 3 + strong_months else 100)
    if last_three_total:
        buy(c, AS_OF - relativedelta(days=5), last_three_total)


class TestMemberSpend:
    @pytest.fixture
    def members(self):
        rule = DormancyRule.objects.get(code=RuleCode.MEMBER_SPEND, tag=None, industry="")
        assert not rule.is_enabled  # off by default
        rule.is_enabled = True
        rule.amount_yen, rule.months_required = 5_000, 4
        rule.save()
        return rule

    def test_it_is_off_by_default(self):
        c = make_customer()
        _member_history(c, strong_months=6, last_three_total=3_000)
        scan()
        assert verdict(c) == ("active", "")

    def test_it_flags_the_required_number_of_strong_months_then_a_low_average(self, members):
        c = make_customer()
        _member_history(c, strong_months=4, last_three_total=14_999)  # average 4,999.67 < 5,000
        scan()
        assert verdict(c) == ("dormant", "member_spend")

    def test_it_keeps_one_strong_month_too_few_active(self, members):
        c = make_customer()
        _member_history(c, strong_months=3, last_three_total=3_000)
        scan()
        assert verdict(c) == ("active", "")

    def test_it_keeps_an_average_of_exactly_x_active(self, members):
        c = make_customer()
        _member_history(c, strong_months=6, last_three_total=15_000)
        scan()
        assert verdict(c) == ("active", "")


class TestPrecedence:
    def test_it_records_inactivity_before_halved(self):
        c = make_customer()
        buy(c, ago(600), 10_000)
        buy(c, ago(200), 1_000)  # 200 days and halved
        scan()
        assert verdict(c) == ("dormant", "inactivity")

    def test_it_prefers_dormant_over_at_risk(self):
        c = make_customer()
        buy(c, ago(500), 100_000)
        for days in (150, 140, 130):
            buy(c, ago(days), 1_000)  # overdue (> 2 × 10 days) and halved
        scan()
        assert verdict(c) == ("dormant", "halved")

    def test_it_prefers_lost_over_dormant(self):
        c = customer_with([900, 800, 750])
        scan()
        assert verdict(c) == ("lost", "lost")

    def test_it_calls_customers_without_purchases_prospects(self):
        c = make_customer()
        scan()
        assert verdict(c) == ("prospect", "")

    def test_it_falls_back_to_inactivity_when_lost_is_switched_off(self):
        DormancyRule.objects.filter(code=RuleCode.LOST).update(is_enabled=False)
        c = customer_with([800])
        scan()
        assert verdict(c) == ("dormant", "inactivity")


class TestSegmentOverrides:
    def test_it_applies_an_industry_override_to_that_industry_only(self):
        rule = DormancyRule.objects.create(code=RuleCode.INACTIVITY, industry="小売", days=90)
        retail = customer_with([100], industry="小売")
        wholesale = customer_with([100], industry="卸売")
        scan()
        assert verdict(retail) == ("dormant", "inactivity")
        assert verdict(wholesale) == ("active", "")
        d = CustomerDormancy.objects.get(customer=retail)
        assert d.applied_rule_id == rule.pk
        assert d.dormant_since == ago(10)

    def test_it_lets_a_tag_override_switch_a_rule_off_for_its_segment(self):
        from customers.models import Tag

        tag = Tag.objects.create(name="季節取引")
        DormancyRule.objects.create(code=RuleCode.HALVED, tag=tag, is_enabled=False, ratio_percent=50)
        seasonal = make_customer(tags=["季節取引"])
        regular = make_customer()
        for c in (seasonal, regular):
            buy(c, ago(400), 10_000)
            buy(c, ago(10), 1_000)
        scan()
        assert verdict(seasonal) == ("active", "")
        assert verdict(regular) == ("dormant", "halved")

    def test_it_lets_a_tag_override_win_over_an_industry_override(self):
        from customers.models import Tag

        tag = Tag.objects.create(name="会員")
        DormancyRule.objects.create(code=RuleCode.INACTIVITY, industry="小売", days=90)
        tag_rule = DormancyRule.objects.create(code=RuleCode.INACTIVITY, tag=tag, days=30)
        both = customer_with([40], industry="小売", tags=["会員"])
        industry_only = customer_with([40], industry="小売")
        scan()
        assert verdict(both) == ("dormant", "inactivity")
        assert CustomerDormancy.objects.get(customer=both).applied_rule_id == tag_rule.pk
        assert verdict(industry_only) == ("active", "")

    def test_it_enables_member_spend_for_a_member_segment(self):
        DormancyRule.objects.create(
            code=RuleCode.MEMBER_SPEND, industry="小売", is_enabled=True, amount_yen=5_000, months_required=4
        )
        member = make_customer(industry="小売")
        other = make_customer(industry="卸売")
        for c in (member, other):
            _member_history(c, strong_months=6, last_three_total=1_000)
        scan()
        assert verdict(member) == ("dormant", "member_spend")
        assert verdict(other) == ("active", "")
