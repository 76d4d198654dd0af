"""The worklist page's counts: the nightly tally equals the live counts for every filter combination, the open
list is counted live (so a fix shows at once), the page says when the tally was taken, and the nightly scan
writes it."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.pagination import CappedPaginator
from customers.maintenance import tally
from customers.maintenance.completeness import list_completeness
from customers.maintenance.tally import tally_scope, worklist_page_counts, worklist_tally_refresh
from customers.maintenance.worklists import WorklistParams, live_customers, worklist_counts
from customers.models import Customer, WorklistTally
from customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def records(rep, other_rep):
    """A mixed list: each record is on some lists, in two prefectures, two reps and both lifecycles."""
    made = [
        CustomerFactory(phone="", mobile="", prefecture="東京都", postal_code="100-0001", assigned_rep=rep),
        CustomerFactory(email="", prefecture="東京都", postal_code="530-0001", assigned_rep=rep,
                        lifecycle=Customer.Lifecycle.PROSPECT),
        CustomerFactory(email="info@gmail.con", prefecture="大阪府", postal_code="530-0001", assigned_rep=other_rep),
        CustomerFactory(address="", kind=Customer.Kind.COMPANY, prefecture="大阪府", assigned_rep=None),
        CustomerFactory(phone="", mobile="", email="", prefecture="", lifecycle=Customer.Lifecycle.CUSTOMER),
        CustomerFactory(kind=Customer.Kind.COMPANY, prefecture="東京都", assigned_rep=other_rep,
                        lifecycle=Customer.Lifecycle.PROSPECT),
    ]
    ContactFactory(customer=made[5])
    CustomerFactory(phone="", mobile="", lifecycle=Customer.Lifecycle.RETIRED)  # never counted
    return made


def as_dict(lists):
    return {row["key"]: row["count"] for row in lists}


def page_counts(base=None, scope=None, opened=None, months=None):
    params = WorklistParams(now=NOW, **({"months": months} if months else {}))
    return worklist_page_counts(base=live_customers() if base is None else base, params=params,
                                scope=scope or tally_scope(), opened=opened)


@pytest.mark.parametrize("filters", [
    {}, {"lifecycle": "prospect"}, {"prefecture": "東京都"}, {"rep": True}, {"rep": True, "lifecycle": "customer"},
    {"lifecycle": "customer", "prefecture": "大阪府"}, {"prefecture": "北海道"},
])
def test_the_tally_equals_the_live_counts_for_every_filter(records, rep, filters):
    worklist_tally_refresh(now=NOW)
    rep_id = rep.pk if filters.get("rep") else None
    base = live_customers()
    if rep_id:
        base = base.filter(assigned_rep_id=rep_id)
    if filters.get("lifecycle"):
        base = base.filter(lifecycle=filters["lifecycle"])
    if filters.get("prefecture"):
        base = base.filter(prefecture=filters["prefecture"])
    scope = tally_scope(rep_id=rep_id, lifecycle=filters.get("lifecycle"), prefecture=filters.get("prefecture"))
    shown = page_counts(base=base, scope=scope)
    assert shown["taken_at"] == NOW
    assert as_dict(shown["lists"]) == as_dict(worklist_counts(base=base, params=WorklistParams(now=NOW)))
    assert shown["completeness"] == list_completeness(base)


def test_the_tally_counts_the_lists_that_need_a_subquery(records):
    worklist_tally_refresh(now=NOW)
    counts = WorklistTally.objects.get(scope=tally_scope()).counts
    # The factory makes companies; only records[5] has an active contact person.
    assert counts["missing_contact"] == len(records) - 1
    assert counts["no_touchpoint"] == len(records)  # nobody was contacted
    assert counts["missing_phone"] == 2 and counts["missing_email"] == 2


@pytest.fixture
def no_tally():
    """No tally taken yet (a nightly scan elsewhere in the run may have left one)."""
    WorklistTally.objects.all().delete()


def test_without_a_tally_everything_is_counted_live(records, no_tally):
    shown = page_counts()
    assert shown["taken_at"] is None
    assert all(row["is_live"] for row in shown["lists"])
    assert as_dict(shown["lists"]) == as_dict(worklist_counts(params=WorklistParams(now=NOW)))


def test_a_tally_older_than_a_fix_keeps_its_figure_but_the_open_list_is_live(records):
    worklist_tally_refresh(now=NOW)
    fixed = records[0]
    fixed.phone = "03-1111-2222"
    fixed.email = ""
    fixed.save()
    live = live_customers().filter(phone_key="", mobile_key="").count()
    shown = {row["key"]: row for row in page_counts(opened=("missing_phone", live, False))["lists"]}
    assert (shown["missing_phone"]["count"], shown["missing_phone"]["is_live"]) == (1, True)
    # Another list the fix changed shows the nightly figure, marked as such (the page prints its time).
    assert (shown["missing_email"]["count"], shown["missing_email"]["is_live"]) == (2, False)


def test_the_review_flags_and_a_non_default_period_are_counted_live(records):
    worklist_tally_refresh(now=NOW)
    Customer.objects.filter(pk=records[1].pk).update(updated_at=NOW - datetime.timedelta(days=400))
    shown = {row["key"]: row for row in page_counts(months=12)["lists"]}
    assert shown["review"]["is_live"]
    assert (shown["stale"]["count"], shown["stale"]["is_live"]) == (1, True)
    assert page_counts()["lists"][1]["is_live"] is False  # the default period reads the tally


def test_a_capped_open_list_shows_the_larger_of_the_tally_and_the_cap(records, monkeypatch):
    monkeypatch.setattr(tally, "COUNT_CAP", 1)
    worklist_tally_refresh(now=NOW)
    small = {row["key"]: row for row in page_counts(opened=("missing_address", 1, False))["lists"]}
    assert small["missing_address"]["count"] == 1  # exact: the paginator found all of them
    big = {row["key"]: row for row in page_counts(opened=("missing_phone", 1, True))["lists"]}
    assert (big["missing_phone"]["count"], big["missing_phone"]["is_live"]) == (2, False)  # the tally's 2 > 1
    Customer.objects.filter(pk__in=[r.pk for r in records]).update(phone="", phone_key="", mobile_key="")
    WorklistTally.objects.update(counts={})  # the tally knew of none
    grown = {row["key"]: row for row in page_counts(opened=("missing_phone", 1, True))["lists"]}
    assert grown["missing_phone"] == {**grown["missing_phone"], "count": 1, "at_least": True, "is_live": True}


def test_the_nightly_scan_writes_the_tally(records):
    from crm.dormancy.pipeline import scan_dormancy

    run = scan_dormancy(as_of=timezone.localdate(), triggered_by="test")
    assert run.outcome == "succeeded"
    assert "worklist_tally_step" in run.step_seconds
    counts = WorklistTally.objects.get(scope=tally_scope()).counts
    # After the scan's verdicts: the live count of "customer without a dormancy status" matches.
    assert counts["status_unknown"] == as_dict(worklist_counts())["status_unknown"]
    assert run.counts["worklist_tallies"] == WorklistTally.objects.count()


class TestWorklistPageCounts:
    def badge(self, html, key):
        match = re.search(rf'data-list="{key}".*?<span class="badge[^>]*>([^<]*)</span>', html, re.S)
        return match.group(1).strip()

    def test_it_counts_the_open_list_live_right_after_a_fix(self, client_for, maintainer, records, english):
        worklist_tally_refresh()
        client = client_for(maintainer)
        url = reverse("customers:worklist")
        html = client.get(url, {"list": "missing_phone"}).content.decode()
        assert self.badge(html, "missing_phone") == "2"
        assert 'data-testid="counts-taken-at"' in html and "as of" in html
        fixed = records[0]
        fixed.phone = "03-1111-2222"
        fixed.save()
        html = client.get(url, {"list": "missing_phone"}).content.decode()
        assert self.badge(html, "missing_phone") == "1"
        assert fixed.code not in html

    def test_it_reads_one_tally_row_and_no_count_per_list(self, client_for, maintainer, records,
                                                          django_assert_max_num_queries):
        worklist_tally_refresh()
        client = client_for(maintainer)
        client.get(reverse("customers:worklist"))
        with django_assert_max_num_queries(16) as captured:
            page = client.get(reverse("customers:worklist"), {"list": "missing_email"})
        assert page.status_code == 200
        # Only the open list and the review flags scan the customers; the rest is one read of the tally.
        counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()
                  and "customers_customer" in q["sql"]]
        assert len(counts) == 1, counts  # the review flags (the open list is the paginator's key read)
        assert sum("customers_worklisttally" in q["sql"] for q in captured.captured_queries) == 1

    def test_it_counts_everything_live_before_the_first_tally(self, client_for, maintainer, records, no_tally):
        html = client_for(maintainer).get(reverse("customers:worklist"), {"list": "missing_email"}).content.decode()
        assert 'data-testid="counts-taken-at"' not in html
        assert self.badge(html, "missing_phone") == "2"


def test_the_capped_paginator_and_the_tally_share_the_cap():
    assert CappedPaginator.cap == tally.COUNT_CAP
