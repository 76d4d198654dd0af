"""The campaign screens: who may do what, what each page shows, and how many queries it takes."""
import datetime

import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignTarget, ContactPolicy, DemandSeason, Segment

from .support import customer

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def draft(manager):
    return Campaign.objects.create(name="決算前DM", starts_on=D(2026, 10, 1), ends_on=D(2026, 12, 31),
                                   channel="dm", approach="everyone", timing="fiscal_year_end", timing_offset=3,
                                   created_by=manager)


class TestCalendar:
    def test_it_shows_seasons_and_campaigns_with_reach_per_month(self, client_for, rep, draft):
        DemandSeason.objects.create(name="カニ解禁", start_month=11, start_day=6, end_month=2, end_day=28)
        customer(fiscal_year_end_month=3)   # due December
        customer(fiscal_year_end_month=1)   # due October
        body = client_for(rep).get(reverse("campaigns:calendar_year", args=[2026])).content.decode()
        assert "カニ解禁" in body and "決算前DM" in body
        assert 'data-month="12">1</td>' in body and 'data-month="10">1</td>' in body
        assert 'data-month="11"></td>' in body

    def test_a_rep_sees_no_create_button(self, client_for, rep, manager):
        url = reverse("campaigns:calendar_year", args=[2026])
        assert 'data-testid="new-campaign"' not in client_for(rep).get(url).content.decode()
        assert 'data-testid="new-campaign"' in client_for(manager).get(url).content.decode()

    def test_its_queries_do_not_grow_with_launched_campaigns(self, client_for, manager,
                                                            django_assert_max_num_queries):
        for i in range(5):
            Campaign.objects.create(name=f"C{i}", starts_on=D(2026, 4, 1), ends_on=D(2026, 4, 30), channel="email",
                                    approach="everyone", state="launched")
        client = client_for(manager)
        with django_assert_max_num_queries(8):  # session, user, seasons, campaigns, reach, navigation
            response = client.get(reverse("campaigns:calendar_year", args=[2026]))
        assert response.content.decode().count('data-testid="campaign-row"') == 5


class TestCampaignPages:
    def test_a_manager_creates_a_draft(self, client_for, manager):
        response = client_for(manager).post(reverse("campaigns:new"), {
            "name": "年末のご挨拶", "starts_on": "2026-12-01", "ends_on": "2026-12-28", "approach": "relationship",
            "channel": "dm", "timing": "fixed", "timing_offset": 0, "control_share_percent": 0})
        campaign = Campaign.objects.get()
        assert response.status_code == 302 and response.url == campaign.get_absolute_url()
        assert (campaign.state, campaign.created_by_id, campaign.approach) == ("draft", manager.pk, "relationship")

    def test_a_segment_campaign_needs_its_segment(self, client_for, manager):
        response = client_for(manager).post(reverse("campaigns:new"), {
            "name": "x", "starts_on": "2026-12-01", "ends_on": "2026-12-28", "approach": "segment",
            "channel": "dm", "timing": "fixed", "timing_offset": 0, "control_share_percent": 0})
        assert response.status_code == 200 and not Campaign.objects.exists()

    @pytest.mark.parametrize("role", ["rep", "maintainer"])
    def test_others_may_not_create_launch_or_copy(self, request, client_for, role, draft):
        client = client_for(request.getfixturevalue(role))
        assert client.get(reverse("campaigns:new")).status_code == 403
        assert client.post(reverse("campaigns:launch", args=[draft.pk])).status_code == 403
        assert client.post(reverse("campaigns:copy", args=[draft.pk])).status_code == 403
        assert client.post(reverse("campaigns:seasons"), {"name": "x", "start_month": 1, "start_day": 1,
                                                          "end_month": 2, "end_day": 1}).status_code == 403
        draft.refresh_from_db()
        assert draft.state == "draft" and Campaign.objects.count() == 1 and not DemandSeason.objects.exists()

    def test_the_detail_previews_the_audience_with_exclusions(self, client_for, rep, draft):
        customer(fiscal_year_end_month=3, name="株式会社対象")
        customer(fiscal_year_end_month=3, consent=False)
        body = client_for(rep).get(draft.get_absolute_url()).content.decode()
        assert "株式会社対象" in body and 'data-reason="no_consent"' in body
        assert 'data-testid="launch"' not in body  # a rep sees, but may not launch

    def test_the_detail_page_queries_are_bounded(self, client_for, manager, draft, django_assert_max_num_queries):
        for _ in range(30):
            customer(fiscal_year_end_month=3, status="dormant", priority=50)
        ContactPolicy.current()  # the row exists after the first read
        client = client_for(manager)
        # session, user, campaign, policy, the cap's last count, counts by reason, sample (with dormancy, rep,
        # summary), reach by month, the steps, the preview's work_mem setting (PostgreSQL)
        with django_assert_max_num_queries(10):
            body = client.get(draft.get_absolute_url()).content.decode()
        assert body.count("<tr><td>T") == 20

    def test_launch_through_the_page_is_recorded_and_a_second_post_changes_nothing(self, client_for, manager, draft):
        customer(fiscal_year_end_month=3)
        client = client_for(manager)
        client.post(reverse("campaigns:launch", args=[draft.pk]))
        client.post(reverse("campaigns:launch", args=[draft.pk]))
        draft.refresh_from_db()
        assert (draft.state, draft.launched_by_id, CampaignTarget.objects.count()) == ("launched", manager.pk, 1)
        body = client.get(draft.get_absolute_url()).content.decode()
        assert 'data-testid="launch-counts"' in body and 'data-testid="launch"' not in body
        assert client.get(reverse("campaigns:edit", args=[draft.pk])).status_code == 302

    def test_copy_to_next_year_through_the_page(self, client_for, manager, draft):
        response = client_for(manager).post(reverse("campaigns:copy", args=[draft.pk]))
        copy = Campaign.objects.exclude(pk=draft.pk).get()
        assert response.url == copy.get_absolute_url() and copy.starts_on == D(2027, 10, 1)


class TestSegmentBuilder:
    def test_the_preview_counts_before_anything_is_saved(self, client_for, manager):
        customer(status="dormant", name="休眠商事")
        customer(status="active")
        response = client_for(manager).post(reverse("campaigns:segment_preview"),
                                            {"channel": "email", "statuses": ["dormant"]})
        body = response.content.decode()
        assert 'data-testid="preview-count"' in body and "休眠商事" in body
        assert not Segment.objects.exists()

    def test_a_manager_saves_a_segment_as_json_filters(self, client_for, manager):
        client_for(manager).post(reverse("campaigns:segment_new"), {
            "name": "価格で離反", "channel": "email", "statuses": ["dormant"], "reasons": ["price"],
            "priority_min": "40", "fiscal_months": ["3"], "product_mode": "bought"})
        segment = Segment.objects.get()
        assert segment.filters == {"statuses": ["dormant"], "reasons": ["price"], "priority_min": 40.0,
                                   "fiscal_months": [3]}
        assert (segment.owner_id, segment.version) == (manager.pk, 1)

    def test_a_rep_may_not_build_or_preview(self, client_for, rep):
        client = client_for(rep)
        assert client.get(reverse("campaigns:segment_new")).status_code == 403
        assert client.post(reverse("campaigns:segment_preview"), {"channel": "email"}).status_code == 403
        assert client.get(reverse("campaigns:segments")).status_code == 200


def test_the_navigation_shows_campaigns_to_everyone(client_for, rep):
    assert 'data-nav="campaigns:calendar"' in client_for(rep).get(reverse("home")).content.decode()


class TestSeasons:
    def test_a_manager_adds_a_season_over_the_new_year_and_the_calendar_shows_its_months(self, client_for, manager):
        client = client_for(manager)
        client.post(reverse("campaigns:seasons"), {"name": "カニ", "start_month": 11, "start_day": 6,
                                                   "end_month": 2, "end_day": 28, "repeats_yearly": "on"})
        season = DemandSeason.objects.get()
        assert season.months_in(2026) == [1, 2, 11, 12]
        body = client.get(reverse("campaigns:calendar_year", args=[2026])).content.decode()
        assert body.count('class="on-season"') == 4

    def test_a_day_the_month_does_not_have_is_refused(self, client_for, manager):
        response = client_for(manager).post(reverse("campaigns:seasons"), {
            "name": "x", "start_month": 2, "start_day": 30, "end_month": 3, "end_day": 1, "repeats_yearly": "on"})
        assert response.status_code == 200 and not DemandSeason.objects.exists()

    def test_a_one_off_season_shows_only_in_its_years(self):
        season = DemandSeason(name="万博", start_month=12, start_day=1, end_month=1, end_day=31,
                              repeats_yearly=False, year=2026)
        assert (season.months_in(2025), season.months_in(2026), season.months_in(2027)) == ([], [12], [1])

    def test_edit_and_delete(self, client_for, manager):
        season = DemandSeason.objects.create(name="年度替わり", start_month=3, end_month=4, end_day=30)
        client = client_for(manager)
        client.post(reverse("campaigns:season_edit", args=[season.pk]), {
            "name": "新学期", "start_month": 3, "start_day": 15, "end_month": 4, "end_day": 30,
            "repeats_yearly": "on"})
        season.refresh_from_db()
        assert (season.name, season.start_day) == ("新学期", 15)
        client.post(reverse("campaigns:season_delete", args=[season.pk]))
        assert not DemandSeason.objects.exists()
