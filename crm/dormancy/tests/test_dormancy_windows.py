"""The nightly figures: 365-day windows refreshed from the last 730 days only, stale summaries repaired, past dates."""
import datetime

import pytest

from crm.dormancy.models import CustomerDormancy, ScanRun, StatusChange
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, customer_with, make_customer
from customers.models import CustomerPurchaseSummary
from customers.purchases.summary import refresh_purchase_summaries
from customers.purchases.windows import refresh_purchase_windows

pytestmark = pytest.mark.django_db


def windows(customer):
    s = CustomerPurchaseSummary.objects.get(customer=customer)
    return s.amount_last_12m, s.amount_prev_12m


class TestRefreshPurchaseWindows:
    def test_it_sums_365_day_windows_and_ignores_later_purchases(self):
        c = make_customer()
        for days, amount in [(0, 1), (364, 10), (365, 100), (729, 1_000), (730, 10_000)]:
            buy(c, ago(days), amount)
        buy(c, AS_OF + datetime.timedelta(days=1), 100_000)
        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[c.pk])
        refresh_purchase_windows(as_of=AS_OF)
        assert windows(c) == (11, 1_100)

    def test_it_writes_only_rows_whose_windows_changed(self):
        moving, steady = customer_with([10, 400]), customer_with([1_000])
        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[moving.pk, steady.pk])
        refresh_purchase_windows(as_of=AS_OF)
        assert refresh_purchase_windows(as_of=AS_OF) == 0
        # A day later nothing crossed a window boundary; 355 days later the purchase of day 10 moved back a year.
        assert refresh_purchase_windows(as_of=AS_OF + datetime.timedelta(days=1)) == 0
        assert refresh_purchase_windows(as_of=AS_OF + datetime.timedelta(days=355)) == 1
        assert windows(moving) == (0, 10_000)
        assert windows(steady) == (0, 0)

    def test_it_zeroes_customers_who_fell_out_of_both_windows(self):
        c = customer_with([700])
        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[c.pk])
        refresh_purchase_windows(as_of=AS_OF)
        assert windows(c) == (0, 10_000)
        assert refresh_purchase_windows(as_of=AS_OF + datetime.timedelta(days=30)) == 1
        assert windows(c) == (0, 0)

    def test_it_limits_itself_to_the_given_customers(self):
        mine, other = customer_with([10]), customer_with([20])
        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[mine.pk, other.pk])
        CustomerPurchaseSummary.objects.update(amount_last_12m=0)
        assert refresh_purchase_windows(as_of=AS_OF, customer_ids=[mine.pk]) == 1
        assert windows(mine) == (10_000, 0) and windows(other) == (0, 0)


class TestScanFigures:
    def test_a_full_pass_repairs_a_summary_missing_a_purchase_in_the_window(self):
        c = customer_with([300, 200])
        scan_dormancy(as_of=AS_OF)
        buy(c, ago(3), 7_000)  # written without the summary's maintenance
        assert scan_dormancy(as_of=AS_OF).counts["figures"]["stale_summaries"] == 0  # trusts the summaries
        run = scan_dormancy(as_of=AS_OF, full=True)
        assert run.counts["figures"]["mode"] == "full" and run.counts["figures"]["stale_summaries"] == 1
        s = CustomerPurchaseSummary.objects.get(customer=c)
        assert (s.last_purchase_on, s.purchase_days, s.total_amount, s.amount_last_12m) == (ago(3), 3, 27_000, 27_000)
        assert CustomerDormancy.objects.get(customer=c).status == "active"

    def test_a_full_pass_repairs_a_summary_whose_last_purchase_was_deleted(self):
        c = customer_with([400])
        last = buy(c, ago(100))
        scan_dormancy(as_of=AS_OF)
        last.delete()
        scan_dormancy(as_of=AS_OF, full=True)
        assert CustomerPurchaseSummary.objects.get(customer=c).last_purchase_on == ago(400)
        assert CustomerDormancy.objects.get(customer=c).rule == "inactivity"

    def test_a_fresh_engine_reads_the_summaries_not_the_purchases(self):
        current, other_date = customer_with([10, 400]), customer_with([900])
        refresh_purchase_summaries(as_of=AS_OF)  # as the imports left them
        CustomerPurchaseSummary.objects.filter(customer=other_date).update(
            as_of=ago(3), amount_prev_12m=1, amount_last_12m=1  # windows of another day
        )
        run = scan_dormancy(as_of=AS_OF)
        assert run.counts["figures"]["mode"] == "shift" and run.counts["figures"]["touched"] == 1
        assert windows(other_date) == (0, 0) and windows(current) == (10_000, 10_000)

    def test_a_fresh_engine_recomputes_rows_whose_windows_a_later_scan_moved(self):
        c = customer_with([364])
        refresh_purchase_summaries(as_of=AS_OF)
        scan_dormancy(as_of=AS_OF)
        scan_dormancy(as_of=AS_OF + datetime.timedelta(days=1))  # the purchase moves to the previous year
        assert windows(c) == (0, 10_000)
        ScanRun.objects.all().delete()  # the engine's memory is gone, the summaries stay
        run = scan_dormancy(as_of=AS_OF)
        assert run.counts["figures"]["touched"] == 1
        assert windows(c) == (10_000, 0)

    def test_a_full_pass_runs_a_week_after_the_last_one(self):
        customer_with([10, 400])
        modes = [scan_dormancy(as_of=AS_OF + datetime.timedelta(days=n)).counts["figures"]["mode"] for n in range(9)]
        assert modes == ["shift"] * 7 + ["full", "shift"]

    def test_the_weekly_full_pass_can_be_switched_off(self, settings):
        settings.MEZAME_DORMANCY_FULL_PASS_DAYS = 0
        customer_with([10, 400])
        modes = {scan_dormancy(as_of=AS_OF + datetime.timedelta(days=n)).counts["figures"]["mode"] for n in range(9)}
        assert modes == {"shift"}

    def test_it_touches_no_summary_on_a_second_scan_of_the_same_day(self):
        customer_with([10, 400])
        customer_with([900])
        refresh_purchase_summaries(as_of=AS_OF)
        scan_dormancy(as_of=AS_OF)
        run = scan_dormancy(as_of=AS_OF)
        assert run.counts["figures"]["mode"] == "shift" and run.counts["figures"]["touched"] == 0
        assert run.counts["figures"]["stale_summaries"] == 0
        assert run.counts["figures"]["windows_written"] == 0
        assert run.counts["rows_written"] == {"updated": 0, "inserted": 0, "deleted": 0}


class TestPastDate:
    def test_it_classifies_a_past_date_from_the_purchases_up_to_that_date(self):
        c = customer_with([400, 250])
        buy(c, ago(10))  # after the past date below
        scan_dormancy(as_of=AS_OF)
        past = ago(60)
        run = scan_dormancy(as_of=past)
        assert run.counts["figures"]["recomputed_for_past_date"] == 1
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.status, d.rule, d.days_since_last_purchase, d.as_of) == ("dormant", "inactivity", 190, past)
        change = StatusChange.objects.get(customer=c, as_of=past)
        assert (change.last_purchase_on, change.purchase_days, change.total_amount) == (ago(250), 2, 20_000)
        assert (change.amount_last_12m, change.amount_prev_12m) == (20_000, 0)  # days 340 and 190 before it
        # The stored summary still describes every purchase.
        assert CustomerPurchaseSummary.objects.get(customer=c).last_purchase_on == ago(10)

    def test_it_calls_a_customer_whose_first_purchase_came_later_a_prospect(self):
        c = customer_with([10])
        scan_dormancy(as_of=AS_OF)
        scan_dormancy(as_of=ago(30))
        assert CustomerDormancy.objects.get(customer=c).status == "prospect"

    def test_it_computes_the_median_interval_from_the_purchases_up_to_that_date(self):
        c = customer_with([300, 270, 210, 5])  # up to day 60: gaps 30, 60 → median 45
        scan_dormancy(as_of=ago(60))
        d = CustomerDormancy.objects.get(customer=c)
        assert d.next_expected_purchase_on == ago(210) + datetime.timedelta(days=45)
        assert (d.status, d.rule) == ("at_risk", "cycle_overdue")  # 150 days > 2 × 45


class TestShiftedWindows:
    def test_it_moves_the_windows_from_the_last_scan_like_a_full_pass(self):
        boundary = customer_with([0, 364, 365, 729, 730, 1_000])
        later_buyer = customer_with([500])
        scan_dormancy(as_of=AS_OF)
        day = AS_OF
        for step in (1, 1, 5, 30):
            day += datetime.timedelta(days=step)
            buy(later_buyer, day, 3_000)  # on the scan date, without the summary's maintenance
            run = scan_dormancy(as_of=day, full=False)
            assert run.counts["figures"]["mode"] == "shift"
            assert run.counts["figures"]["stale_summaries"] == 1
            shifted = {c.pk: windows(c) for c in (boundary, later_buyer)}
            assert refresh_purchase_windows(as_of=day) == 0  # a full pass finds nothing to correct
            assert {c.pk: windows(c) for c in (boundary, later_buyer)} == shifted
        assert windows(boundary) == (10_000, 20_000)  # 37 days later: ages 37 | 401, 402 | 766, 767, 1037
        assert windows(later_buyer) == (12_000, 10_000)

    def test_it_recomputes_customers_whose_summary_was_rewritten_since(self):
        c = customer_with([100])
        scan_dormancy(as_of=AS_OF)
        buy(c, ago(50), 4_000)
        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[c.pk])  # as an import would
        CustomerPurchaseSummary.objects.filter(customer=c).update(amount_last_12m=1)  # whatever it wrote
        run = scan_dormancy(as_of=AS_OF + datetime.timedelta(days=1))
        assert run.counts["figures"]["mode"] == "shift" and run.counts["figures"]["touched"] == 1
        assert windows(c) == (14_000, 0)

    def test_it_falls_back_to_the_full_pass_after_a_long_gap(self):
        customer_with([100])
        scan_dormancy(as_of=AS_OF)
        run = scan_dormancy(as_of=AS_OF + datetime.timedelta(days=40))
        assert run.counts["figures"]["mode"] == "full"
