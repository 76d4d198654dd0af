"""Segment filters and the exclusions every contact obeys, each with its reason."""
import datetime

import pytest
from django.db import connection

from campaigns import segments
from campaigns.models import Campaign, ContactPolicy
from customers.models import Customer, Product, Purchase, Tag

from .support import NOW, TODAY, customer, touch

pytestmark = pytest.mark.django_db
EMAIL = Campaign.Channel.EMAIL


def selected_codes(filters, channel=EMAIL, **kwargs):
    aud = segments.audience(filters=filters, channel=channel, now=NOW, **kwargs)
    return set(aud.selected.values_list("code", flat=True))


class TestFilters:
    def test_it_filters_by_status_and_reason(self):
        a = customer(status="dormant", reason="price")
        customer(status="dormant", reason="product")
        customer(status="active")
        assert selected_codes({"statuses": ["dormant"], "reasons": ["price"]}) == {a.code}

    def test_it_filters_by_priority_range_inclusive(self):
        low, mid, high = (customer(status="dormant", priority=p) for p in (10, 50, 90))
        assert selected_codes({"priority_min": 50, "priority_max": 90}) == {mid.code, high.code}
        assert low.code not in selected_codes({"priority_min": 11})

    def test_it_filters_by_rep_industry_prefecture_and_fiscal_month(self, rep, other_rep):
        hit = customer(assigned_rep=rep, industry="工務店", prefecture="東京都", fiscal_year_end_month=3)
        customer(assigned_rep=other_rep, industry="工務店", prefecture="東京都", fiscal_year_end_month=3)
        customer(assigned_rep=rep, industry="設備", prefecture="東京都", fiscal_year_end_month=3)
        customer(assigned_rep=rep, industry="工務店", prefecture="神奈川県", fiscal_year_end_month=3)
        customer(assigned_rep=rep, industry="工務店", prefecture="東京都", fiscal_year_end_month=12)
        filters = {"reps": [rep.pk], "industries": ["工務店"], "prefectures": ["東京都"], "fiscal_months": [3]}
        assert selected_codes(filters) == {hit.code}

    def test_a_customer_with_two_matching_tags_counts_once(self):
        vip, member = Tag.objects.create(name="VIP"), Tag.objects.create(name="会員")
        both = customer()
        both.tags.add(vip, member)
        customer().tags.add(Tag.objects.create(name="その他"))
        aud = segments.audience(filters={"tags": [vip.pk, member.pk]}, channel=EMAIL, now=NOW)
        assert aud.counts()["selected"] == 1
        assert [c.code for c in aud.sample()] == [both.code]

    def test_it_filters_by_bought_and_never_bought_product_or_category(self):
        board = Product.objects.create(code="P1", name="石膏ボード", category="ボード")
        paint = Product.objects.create(code="P2", name="塗料", category="塗料")
        buyer, painter, nobody = customer(), customer(), customer()
        Purchase.objects.create(customer=buyer, product=board, purchased_on=TODAY, amount=1000, row_key="r1")
        Purchase.objects.create(customer=painter, product=paint, purchased_on=TODAY, amount=1000, row_key="r2")
        assert selected_codes({"products": [board.pk]}) == {buyer.code}
        assert selected_codes({"categories": ["塗料"]}) == {painter.code}
        assert selected_codes({"products": [board.pk], "product_mode": "never"}) == {painter.code, nobody.code}

    def test_it_filters_by_last_purchase_and_spend_ranges(self):
        old = customer(total=50_000, last_purchase=datetime.date(2025, 1, 10))
        recent = customer(total=500_000, last_purchase=datetime.date(2026, 4, 1))
        customer()  # no purchases: no summary
        assert selected_codes({"last_purchase_to": "2025-12-31"}) == {old.code}
        assert selected_codes({"last_purchase_from": "2026-04-01"}) == {recent.code}
        assert selected_codes({"spend_min": 100_000}) == {recent.code}
        assert selected_codes({"spend_max": 50_000}) == {old.code}

    def test_it_filters_by_next_expected_purchase_within_a_window(self):
        soon = customer(status="active", next_purchase=TODAY + datetime.timedelta(days=14))
        customer(status="active", next_purchase=TODAY + datetime.timedelta(days=15))
        customer(status="active", next_purchase=TODAY - datetime.timedelta(days=1))
        assert selected_codes({"next_purchase_within_days": 14}) == {soon.code}

    def test_an_empty_filter_is_everyone(self):
        a, b = customer(), customer(kind="person")
        assert selected_codes({}) == {a.code, b.code}


def _click(customer_obj, campaign, days_ago):
    from campaigns.models import CampaignStep, EmailClick, OutboxMessage

    step, _ = CampaignStep.objects.get_or_create(campaign=campaign, position=1, defaults={"channel": "email"})
    message, _ = OutboxMessage.objects.get_or_create(step=step, customer=customer_obj,
                                                     defaults={"campaign": campaign, "state": "sent"})
    EmailClick.objects.create(message=message, customer=customer_obj, campaign=campaign, step=step,
                              url="https://example.jp/new", clicked_at=NOW - datetime.timedelta(days=days_ago))


class TestClickedFilter:
    def campaign(self, name):
        from campaigns.models import CampaignStep

        campaign = Campaign.objects.create(name=name, starts_on=TODAY, ends_on=TODAY, channel="email",
                                           state="launched")
        CampaignStep.objects.create(campaign=campaign, position=1, channel="email")
        return campaign

    def test_it_keeps_customers_who_clicked_the_chosen_campaigns(self):
        spring, autumn = self.campaign("春"), self.campaign("秋")
        clicked_spring, clicked_autumn = customer(), customer()
        customer()  # never clicked
        _click(clicked_spring, spring, 3)
        _click(clicked_autumn, autumn, 3)
        assert selected_codes({"clicked_campaigns": [spring.pk]}) == {clicked_spring.code}
        assert selected_codes({"clicked_within_days": 30}) == {clicked_spring.code, clicked_autumn.code}

    def test_it_counts_only_recent_clicks_when_a_window_is_given(self):
        spring = self.campaign("春")
        recent, old = customer(), customer()
        _click(recent, spring, 5)
        _click(old, spring, 90)
        assert selected_codes({"clicked_campaigns": [spring.pk], "clicked_within_days": 30}) == {recent.code}

    def test_the_builder_stores_the_campaigns_as_ids(self, manager):
        from campaigns.forms import SegmentForm

        spring = self.campaign("春")
        form = SegmentForm({"channel": "email", "clicked_campaigns": [spring.pk], "clicked_within_days": "14"})
        assert form.is_valid(), form.errors
        assert form.filters() == {"clicked_campaigns": [spring.pk], "clicked_within_days": 14}


class TestExclusions:
    def test_each_excluded_customer_is_counted_under_its_first_reason(self, manager):
        ok = customer(status="dormant")
        survivor = customer()
        customer(merged_into=survivor, lifecycle=Customer.Lifecycle.RETIRED)  # merged (first), though retired too
        customer(lifecycle=Customer.Lifecycle.RETIRED)
        customer(email="")
        customer(consent=False, email_consent_changed_at=NOW)  # withdrawn: opted out
        customer(consent=False)
        customer(status="lost")
        capped = customer(status="dormant")
        touch(capped, "email", 3)
        touch(capped, "email", 10)
        aud = segments.audience(filters={}, channel=EMAIL, now=NOW)
        counts = aud.counts()
        assert counts["excluded"] == {"merged": 1, "retired": 1, "no_address": 1, "opted_out": 1, "no_consent": 1,
                                      "lost": 1, "frequency_cap": 1}
        assert counts["selected"] == 2 and counts["matched"] == 9
        assert set(aud.selected.values_list("pk", flat=True)) == {ok.pk, survivor.pk}

    def test_lost_customers_are_included_when_asked(self):
        lost = customer(status="lost")
        assert selected_codes({}, include_lost=True) == {lost.code}
        assert selected_codes({}) == set()

    def test_consent_and_the_cap_are_per_channel(self):
        letters_only = customer(has_email_consent=False)
        called = customer()
        touch(called, "phone", 1)
        touch(called, "phone", 2)
        assert selected_codes({}, channel=Campaign.Channel.EMAIL) == {called.code}
        assert selected_codes({}, channel=Campaign.Channel.DM) == {letters_only.code, called.code}
        assert selected_codes({}, channel=Campaign.Channel.PHONE) == {letters_only.code}

    def test_a_visit_needs_no_marketing_consent(self):
        c = customer(consent=False, address="")
        assert selected_codes({}, channel=Campaign.Channel.VISIT) == {c.code}

    def test_the_cap_counts_180_days_and_reads_the_company_policy(self):
        c = customer()
        for days_ago in (40, 80, 120, 150, 170):
            touch(c, "email", days_ago)
        assert selected_codes({}) == {c.code}  # 5 in 180 days, 0 in 30: room for one more
        touch(c, "email", 179)
        assert selected_codes({}) == set()  # 6 in 180 days
        ContactPolicy.objects.update_or_create(pk=1, defaults={"max_contacts_180d": 7})
        assert selected_codes({}) == {c.code}

    def test_a_contact_older_than_the_window_does_not_count(self):
        c = customer()
        touch(c, "email", 30)  # exactly 30 days ago: outside the 30-day window
        touch(c, "email", 31)
        assert selected_codes({}) == {c.code}


def test_the_sample_is_the_first_twenty_by_priority(django_assert_num_queries):
    for p in range(25):
        customer(status="dormant", priority=p)
    customer(status="dormant", priority=None)
    aud = segments.audience(filters={"statuses": ["dormant"]}, channel=EMAIL, now=NOW)
    # The counts, the sample's walk (the policy was read building the audience); PostgreSQL: the planner settings.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 2):
        result = segments.preview(aud)
    assert result["selected"] == 26
    assert [c.dormancy.priority_score for c in result["sample"]] == list(range(24, 4, -1))


def test_when_the_walks_fall_short_the_sample_is_sorted_from_every_selected_customer(monkeypatch):
    """Walks too short for the sample (a narrow segment; customers without a priority) give way to sorting all
    the selected customers: priority first, none last, then code — the same order a full sort gives."""
    monkeypatch.setattr(segments, "SAMPLE_WALKS", (2, 3))
    for priority, code in ((5, "R005"), (7, "R007B"), (7, "R007A"), (9, "R009")):
        customer(status="dormant", priority=priority, code=code)
    customer(status="dormant", priority=8, code="R008", consent=False)  # excluded: not in the sample
    for code in ("A002", "A001"):
        customer(status="active", code=code)
    result = segments.preview(segments.audience(filters={}, channel=EMAIL, now=NOW), size=6)
    assert [c.code for c in result["sample"]] == ["R009", "R007A", "R007B", "R005", "A001", "A002"]


def test_an_empty_selection_needs_no_sample_query(django_assert_num_queries):
    customer(status="dormant", priority=50, consent=False)
    aud = segments.audience(filters={}, channel=EMAIL, now=NOW)
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        result = segments.preview(aud)
    assert (result["selected"], result["sample"]) == (0, [])
