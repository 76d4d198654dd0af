"""The maintainer's worklists: each list's condition, their counts in one query, registered sources, completeness,
review rules and the bulk actions."""
import datetime

import pytest
import time_machine
from django.utils import timezone

from crm.permissions import Refused
from crm.roles import Role
from customers.maintenance.completeness import customer_completeness, list_completeness
from customers.maintenance.postal import prefecture_for_postal
from customers.maintenance.rules import review_rules_evaluate
from customers.maintenance.worklists import WorklistParams, worklist_counts, worklist_queryset
from customers.models import Customer, ReviewFlag, ReviewRule, Tag, Touchpoint
from customers.services import (
    customers_add_tag_bulk,
    customers_assign_rep_bulk,
    review_flags_resolve,
)
from customers.tests.factories import ContactFactory, CustomerFactory
from customers.worklist import register_worklist_source, unregister_worklist_source, worklist_sources

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 11, 1, 12, 0))


def complete(**fields):
    """A record with nothing missing and nothing inconsistent (unless told)."""
    values = {"name_kana": "ホクトセイキ", "phone": "03-1111-2222", "email": "info@hokuto.co.jp",
              "postal_code": "100-0001", "prefecture": "東京都", "address": "千代田区千代田1-1",
              "industry": "製造業", "source": "exhibition", "kind": Customer.Kind.PERSON}
    values.update(fields)
    customer = CustomerFactory(**values)
    Touchpoint.objects.create(customer=customer, department="sales", channel="phone", summary="x", occurred_at=NOW)
    return customer


def on_list(key, **params):
    return set(worklist_queryset(key, params=WorklistParams(now=NOW, **params)).values_list("pk", flat=True))


def counts(**params):
    return {row["key"]: row["count"] for row in worklist_counts(params=WorklistParams(now=NOW, **params))}


@pytest.mark.parametrize("fields,key", [
    ({"phone": ""}, "missing_phone"),
    ({"email": ""}, "missing_email"),
    ({"address": ""}, "missing_address"),
    ({"postal_code": "530-0001"}, "postal_mismatch"),  # an Osaka code on a Tokyo record
    ({"address": "大阪府大阪市北区1-1"}, "postal_mismatch"),  # the address names another prefecture
    ({"email": "info@gmail.con"}, "email_invalid"),
    ({"email": "info@localhost"}, "email_invalid"),
])
def test_each_list_finds_its_records_and_only_them(fields, key):
    good = complete()
    bad = complete(**fields)
    assert on_list(key) == {bad.pk}
    assert good.pk not in on_list(key)


def test_company_without_active_contact_is_listed():
    company = complete(kind=Customer.Kind.COMPANY)
    ContactFactory(customer=company, is_active=False)
    staffed = complete(kind=Customer.Kind.COMPANY)
    ContactFactory(customer=staffed)
    assert on_list("missing_contact") == {company.pk}


def test_stale_and_no_touchpoint_lists_use_their_periods():
    with time_machine.travel(NOW - datetime.timedelta(days=800), tick=False):
        old = CustomerFactory()
    fresh = complete()
    Touchpoint.objects.create(customer=old, department="sales", channel="phone", summary="x",
                              occurred_at=NOW - datetime.timedelta(days=400))
    assert on_list("stale", months=24) == {old.pk}
    assert on_list("stale", months=30) == set()
    assert on_list("no_touchpoint") == {old.pk}
    assert fresh.pk not in on_list("no_touchpoint")


def test_retired_and_merged_records_are_left_out():
    complete(phone="", lifecycle=Customer.Lifecycle.RETIRED)
    survivor = complete()
    merged = complete(phone="")
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor)
    assert on_list("missing_phone") == set()


def test_counts_take_a_fixed_number_of_queries_and_match_the_lists():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.maintenance.worklists import BUILTIN_WORKLISTS

    complete(phone="", email="")
    complete(postal_code="530-0001")
    with CaptureQueriesContext(connection) as few:
        counts()
    for _ in range(5):
        complete(phone="", kind=Customer.Kind.COMPANY)
    with CaptureQueriesContext(connection) as more:
        result = counts()
    own = sum(1 for w in BUILTIN_WORKLISTS if w.own_query)
    # One aggregate, one count per list with a subquery, one per registered source (visits …), and the
    # transaction's own statements (savepoint, JIT off, release): never one per customer.
    assert len(more) == len(few) <= 1 + own + len(worklist_sources()) + 3
    assert (result["missing_phone"], result["missing_email"], result["postal_mismatch"]) == (6, 1, 1)
    for w in BUILTIN_WORKLISTS:
        assert result[w.key] == len(on_list(w.key)), w.key


def test_a_registered_source_is_counted_and_listed():
    reported = complete()
    complete()
    register_worklist_source("closed", "閉店の報告", count_fn=lambda: 1,
                             queryset_fn=lambda: Customer.objects.filter(pk=reported.pk))
    try:
        assert counts()["source:closed"] == 1
        assert on_list("source:closed") == {reported.pk}
    finally:
        unregister_worklist_source("closed")


def test_postal_prefixes():
    assert prefecture_for_postal("1000001") == "東京都"
    assert prefecture_for_postal("0600001") == "北海道"
    assert prefecture_for_postal("6840001") == "島根県"  # Oki islands, not Tottori
    assert prefecture_for_postal("8170001") == "長崎県"  # Tsushima, not Fukuoka
    assert prefecture_for_postal("123") == ""


def test_completeness_per_record_and_for_the_list():
    full = complete()
    half = CustomerFactory(kind=Customer.Kind.COMPANY, name_kana="", phone="", email="", postal_code="",
                           address="", industry="", source="")
    assert customer_completeness(full)["score"] == pytest.approx(100.0 * 8 / 9, abs=0.1)  # no rep
    assert customer_completeness(half)["score"] == 0.0
    result = list_completeness(Customer.objects.filter(pk__in=[full.pk, half.pk]))
    assert result["total"] == 2
    assert result["score"] == pytest.approx(100.0 * 8 / 18, abs=0.1)
    assert {f["key"]: f["filled"] for f in result["fields"]}["phone"] == 1


def test_rules_flag_old_silent_prospects_once_and_retire_on_decision(maintainer):
    ReviewRule.objects.all().delete()  # the starting rules of migration 0012
    rule = ReviewRule.objects.create(name="2年接触なし", kind=ReviewRule.Kind.PROSPECT_NO_CONTACT, months=24)
    with time_machine.travel(NOW - datetime.timedelta(days=900), tick=False):
        silent = CustomerFactory(lifecycle=Customer.Lifecycle.PROSPECT)
        talked = CustomerFactory(lifecycle=Customer.Lifecycle.PROSPECT)
    Touchpoint.objects.create(customer=talked, department="sales", channel="phone", summary="x",
                              occurred_at=NOW - datetime.timedelta(days=30))
    assert review_rules_evaluate(rules=[rule], now=NOW) == {rule.pk: 1}
    assert review_rules_evaluate(rules=[rule], now=NOW) == {rule.pk: 0}
    assert on_list("review") == {silent.pk}
    review_flags_resolve(queryset=Customer.objects.filter(pk=silent.pk), resolution="retired", by=maintainer)
    silent.refresh_from_db()
    assert silent.lifecycle == Customer.Lifecycle.RETIRED
    assert ReviewFlag.objects.get().resolution == "retired"
    assert review_rules_evaluate(rules=[rule], now=NOW) == {rule.pk: 0}


def test_bulk_assign_rep_and_tag_write_history(maintainer, rep):
    chosen = CustomerFactory.create_batch(3)
    other = CustomerFactory()
    queryset = Customer.objects.filter(pk__in=[c.pk for c in chosen])
    history = Customer.history.count()
    assert customers_assign_rep_bulk(queryset=queryset, rep=rep, by=maintainer) == 3
    assert set(Customer.objects.filter(assigned_rep=rep).values_list("pk", flat=True)) == {c.pk for c in chosen}
    tag = Tag.objects.create(name="要確認")
    chosen[0].tags.add(tag)
    assert customers_add_tag_bulk(queryset=queryset, tag=tag, by=maintainer) == 2
    assert set(tag.customers.values_list("pk", flat=True)) == {c.pk for c in chosen}
    assert not other.tags.exists()
    assert Customer.history.count() == history + 3 + 2
    assert Customer.history.filter(history_change_reason="bulk: tag 要確認", history_user=maintainer).count() == 2


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.MANAGER])
def test_bulk_actions_need_the_maintainers_rights(users_by_role, role):
    user = users_by_role[role]
    CustomerFactory()
    with pytest.raises(Refused):
        customers_assign_rep_bulk(queryset=Customer.objects.all(), rep=user, by=user)
    with pytest.raises(Refused):
        customers_add_tag_bulk(queryset=Customer.objects.all(), tag=Tag.objects.create(name="x"), by=user)
    with pytest.raises(Refused):
        review_flags_resolve(queryset=Customer.objects.all(), resolution="kept", by=user)


def test_the_command_and_the_task_evaluate_the_active_rules():
    from django.core.management import call_command

    from customers.tasks import evaluate_review_rules

    ReviewRule.objects.all().delete()
    rule = ReviewRule.objects.create(name="更新なし", kind=ReviewRule.Kind.NOT_UPDATED, months=1)
    ReviewRule.objects.create(name="休止中", kind=ReviewRule.Kind.NOT_UPDATED, months=1, is_active=False)
    with time_machine.travel(NOW - datetime.timedelta(days=90), tick=False):
        CustomerFactory()
    with time_machine.travel(NOW, tick=False):
        assert evaluate_review_rules() == {str(rule.pk): 1}
        call_command("evaluate_review_rules", "--defaults", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ReviewFlag.objects.count() == 1
    assert ReviewRule.objects.filter(kind=ReviewRule.Kind.PROSPECT_NO_CONTACT).exists()


def test_list_completeness_is_the_mean_of_the_records_scores(rep):
    people = [complete(assigned_rep=rep), complete(email="", source=""), complete(industry="")]
    company = complete(kind=Customer.Kind.COMPANY)  # no contact person yet
    ContactFactory(customer=complete(kind=Customer.Kind.COMPANY))
    records = Customer.objects.filter(pk__in=[c.pk for c in people] + [company.pk])
    scores = [customer_completeness(c)["score"] for c in records]
    result = list_completeness(records)
    assert result["score"] == pytest.approx(sum(scores) / len(scores), abs=0.1)
    assert result["complete"] == sum(1 for score in scores if score == 100.0) == 1
