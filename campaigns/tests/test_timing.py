"""Fiscal-year and next-purchase timing, checked by hand; copying a campaign to next year."""
import datetime

import pytest

from campaigns import segments, services, timing
from campaigns.models import Campaign, Segment

from .support import NOW, customer

pytestmark = pytest.mark.django_db
D = datetime.date


def campaign(**fields):
    defaults = {"name": "2026年 決算前DM", "starts_on": D(2026, 1, 1), "ends_on": D(2026, 12, 31),
                "channel": Campaign.Channel.DM, "approach": Campaign.Approach.EVERYONE}
    defaults.update(fields)
    return Campaign.objects.create(**defaults)


def reach(c):
    return timing.reach_by_month(c, segments.campaign_audience(c, now=NOW).selected)


@pytest.mark.parametrize(("fiscal_month", "before", "month"), [(3, 3, 12), (3, 0, 3), (12, 3, 9), (1, 1, 12),
                                                                 (6, 12, 6), (2, 14, 12)])
def test_the_contact_month_is_n_months_before_the_fiscal_year_end(fiscal_month, before, month):
    assert timing.due_month(fiscal_month, before) == month


def test_three_months_before_year_end_reaches_march_closers_in_december():
    for month, n in ((3, 3), (9, 2), (12, 1)):
        for _ in range(n):
            customer(fiscal_year_end_month=month)
    customer()  # no fiscal month: never due
    c = campaign(timing=Campaign.Timing.FISCAL_YEAR_END, timing_offset=3)
    # March closers in December, September closers in June, December closers in September.
    assert reach(c) == {(2026, 12): 3, (2026, 6): 2, (2026, 9): 1}


def test_fiscal_timing_counts_only_months_inside_the_period():
    customer(fiscal_year_end_month=3)   # due in December 2026
    customer(fiscal_year_end_month=1)   # due in October 2026
    customer(fiscal_year_end_month=6)   # due in March: before this period
    c = campaign(timing=Campaign.Timing.FISCAL_YEAR_END, timing_offset=3, starts_on=D(2026, 10, 15),
                 ends_on=D(2027, 1, 31))
    assert timing.fiscal_due_dates(c)[1] == D(2026, 10, 15)  # October began before the period: its first day
    assert timing.fiscal_due_dates(c)[3] == D(2026, 12, 1)
    assert reach(c) == {(2026, 10): 1, (2026, 12): 1}


def test_next_purchase_timing_is_n_days_before_the_expected_date():
    customer(status="active", next_purchase=D(2026, 6, 14))   # due 31 May
    customer(status="active", next_purchase=D(2026, 6, 15))   # due 1 June
    customer(status="active", next_purchase=D(2026, 7, 14))   # due 30 June
    customer(status="active", next_purchase=D(2026, 7, 16))   # due 2 July: after the period
    customer(status="active", next_purchase=D(2026, 6, 1))    # due 18 May: before the period
    c = campaign(timing=Campaign.Timing.NEXT_PURCHASE, timing_offset=14, starts_on=D(2026, 5, 20),
                 ends_on=D(2026, 6, 30))
    assert reach(c) == {(2026, 5): 1, (2026, 6): 2}


def test_fixed_timing_reaches_everyone_in_the_first_month():
    customer(), customer()
    assert reach(campaign(starts_on=D(2026, 11, 3), ends_on=D(2027, 2, 28))) == {(2026, 11): 2}


class TestCopyToNextYear:
    def test_it_copies_settings_and_moves_the_period_and_the_year_in_the_name(self, manager):
        segment = Segment.objects.create(name="休眠・価格", filters={"statuses": ["dormant"]})
        original = campaign(approach=Campaign.Approach.SEGMENT, segment=segment, starts_on=D(2028, 2, 29),
                            ends_on=D(2028, 3, 31), name="2028年 決算前DM", timing=Campaign.Timing.FISCAL_YEAR_END,
                            timing_offset=3, control_share_percent=10, include_lost=True)
        services.campaign_launch(campaign=original, by=manager, now=NOW)
        copy = services.campaign_copy_to_next_year(campaign=original, by=manager)
        assert (copy.name, copy.starts_on, copy.ends_on) == ("2029年 決算前DM", D(2029, 2, 28), D(2029, 3, 31))
        assert (copy.segment_id, copy.timing, copy.timing_offset, copy.control_share_percent, copy.include_lost,
                copy.channel) == (segment.pk, "fiscal_year_end", 3, 10, True, "dm")
        assert (copy.state, copy.launched_at, copy.copied_from_id, copy.created_by_id) == (
            "draft", None, original.pk, manager.pk)

    def test_a_rep_may_not_copy(self, rep):
        from crm.permissions import Refused

        with pytest.raises(Refused):
            services.campaign_copy_to_next_year(campaign=campaign(), by=rep)
        assert Campaign.objects.count() == 1
