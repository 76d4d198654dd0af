"""Launching a campaign: targets written once, a reproducible control group, managers only (the frequency cap on the
way contacts are made: test_frequency_cap.py)."""
import datetime

import pytest

from campaigns import services
from campaigns.models import Campaign, CampaignTarget, Segment
from crm.permissions import Refused
from customers.models import Customer

from .support import NOW, customer

pytestmark = pytest.mark.django_db
D = datetime.date


def draft(**fields):
    defaults = {"name": "春の休眠掘り起こし", "starts_on": D(2026, 5, 1), "ends_on": D(2026, 6, 30),
                "channel": Campaign.Channel.EMAIL, "approach": Campaign.Approach.EVERYONE}
    defaults.update(fields)
    return Campaign.objects.create(**defaults)


class TestLaunch:
    def test_it_writes_the_selected_customers_and_records_who_and_when(self, manager):
        a, b = customer(status="dormant"), customer(status="dormant")
        customer(status="active")
        customer(status="dormant", consent=False)
        segment = Segment.objects.create(name="休眠", filters={"statuses": ["dormant"]})
        launched = services.campaign_launch(campaign=draft(approach="segment", segment=segment), by=manager, now=NOW)
        assert (launched.state, launched.launched_by_id, launched.launched_at) == ("launched", manager.pk, NOW)
        assert set(CampaignTarget.objects.values_list("customer_id", flat=True)) == {a.pk, b.pk}
        assert set(CampaignTarget.objects.values_list("due_on", flat=True)) == {D(2026, 5, 1)}
        assert launched.launch_counts == {"matched": 3, "selected": 2, "excluded": {"no_consent": 1},
                                          "targets": 2, "control": 0}

    def test_a_second_launch_changes_nothing(self, manager, admin_user):
        customer()
        campaign = draft()
        services.campaign_launch(campaign=campaign, by=manager, now=NOW)
        customer()  # a newcomer after the launch is not added by launching again
        again = services.campaign_launch(campaign=campaign, by=admin_user, now=NOW + datetime.timedelta(hours=1))
        assert (again.launched_by_id, again.launched_at) == (manager.pk, NOW)
        assert CampaignTarget.objects.count() == 1

    def test_fiscal_timing_targets_only_customers_due_in_the_period_with_their_date(self, manager):
        march = customer(fiscal_year_end_month=8)   # 3 months before August: May
        customer(fiscal_year_end_month=12)           # September: outside May–June
        services.campaign_launch(campaign=draft(timing="fiscal_year_end", timing_offset=3), by=manager, now=NOW)
        assert list(CampaignTarget.objects.values_list("customer_id", "due_on")) == [(march.pk, D(2026, 5, 1))]

    def test_the_control_group_is_the_share_asked_for_and_reproducible(self, manager):
        Customer.objects.bulk_create(
            Customer(code=f"B{i:05d}", name="顧客", lifecycle="customer", email="a@example.jp",
                     has_email_consent=True) for i in range(2000))
        first = services.campaign_launch(campaign=draft(control_share_percent=20), by=manager, now=NOW)
        assert 0.17 <= first.launch_counts["control"] / first.launch_counts["targets"] <= 0.23
        control = set(CampaignTarget.objects.filter(campaign=first, in_control_group=True)
                      .values_list("customer_id", flat=True))
        # The same campaign draws the same customers (re-drawn here by deleting and launching again) …
        CampaignTarget.objects.filter(campaign=first).delete()
        Campaign.objects.filter(pk=first.pk).update(state="draft")
        services.campaign_launch(campaign=first, by=manager, now=NOW)
        assert set(CampaignTarget.objects.filter(campaign=first, in_control_group=True)
                   .values_list("customer_id", flat=True)) == control
        # … another campaign draws others.
        other = services.campaign_launch(campaign=draft(control_share_percent=20), by=manager, now=NOW)
        other_control = set(CampaignTarget.objects.filter(campaign=other, in_control_group=True)
                            .values_list("customer_id", flat=True))
        assert len(control & other_control) < 0.5 * len(control)

    @pytest.mark.parametrize("role", ["rep", "maintainer"])
    def test_only_managers_and_admins_launch(self, request, role):
        customer()
        campaign = draft()
        with pytest.raises(Refused):
            services.campaign_launch(campaign=campaign, by=request.getfixturevalue(role), now=NOW)
        campaign.refresh_from_db()
        assert (campaign.state, CampaignTarget.objects.count()) == ("draft", 0)

    def test_an_admin_may_launch(self, admin_user):
        customer()
        assert services.campaign_launch(campaign=draft(), by=admin_user, now=NOW).state == "launched"

    def test_the_permission_is_checked_on_the_stored_row(self, rep, manager):
        campaign = draft()
        campaign.created_by = rep  # a changed object in memory must not matter
        with pytest.raises(Refused):
            services.campaign_update(campaign=campaign, by=rep, name="x")
        assert services.campaign_update(campaign=campaign, by=manager, name="夏").name == "夏"

    def test_a_launched_campaign_cannot_be_edited(self, manager):
        from django.core.exceptions import ValidationError

        campaign = services.campaign_launch(campaign=draft(), by=manager, now=NOW)
        with pytest.raises(ValidationError):
            services.campaign_update(campaign=campaign, by=manager, name="変更")
