"""The merge: every related row moves (or is recomputed / kept as classified), consent merges conservatively,
and the undo puts back exactly what was there (a full dump of every table that points at a customer)."""
import datetime

import pytest
from django.utils import timezone

from crm.permissions import Refused
from crm.roles import Role
from customers.maintenance import merge_rules
from customers.maintenance.merge import MergeError, customer_merge, customer_merge_undo, merged_consent
from customers.maintenance.snapshot import rows_to_json
from customers.models import (
    Contact,
    Customer,
    CustomerMerge,
    CustomerPurchaseSummary,
    Inquiry,
    Purchase,
    ReviewFlag,
    ReviewRule,
    Tag,
    Touchpoint,
)
from customers.purchases.summary import refresh_purchase_summaries
from customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 1)
BEFORE = timezone.make_aware(datetime.datetime(2025, 1, 1, 9, 0, 0, 123456))


def full_dump(since):
    """Every row of every table pointing at a customer, and the customers, as exact JSON. The merge's own audit
    (the CustomerMerge row, history rows written from `since` on) is left out: it is what records the undo."""
    models = {Customer} | {model for model, _field in merge_rules.customer_relations()} - {CustomerMerge}
    dump = {}
    for model in sorted(models, key=lambda m: m._meta.label):
        qs = model._base_manager.all()
        if hasattr(model, "history_date"):
            qs = qs.filter(history_date__lt=since)
        dump[model._meta.label] = rows_to_json(qs)
    return dump


@pytest.fixture
def pair(db):
    """A survivor and a duplicate with rows in every kind of related table, some of them colliding."""
    from campaigns.models import Campaign, CampaignStep, CampaignTarget, StepExecution
    from crm.dormancy.models import CustomerDormancy, StatusChange

    survivor = CustomerFactory(name="北斗精機株式会社", phone="", email="", has_email_consent=True,
                               email_consent_changed_at=BEFORE, email_consent_method="form")
    duplicate = CustomerFactory(name="北斗精器(株)", phone="03-1234-5678", email="hokuto@example.jp",
                                has_email_consent=False, email_consent_changed_at=BEFORE + datetime.timedelta(days=1),
                                email_consent_method="電話で配信停止")
    common, only_dup = Tag.objects.create(name="製造業"), Tag.objects.create(name="展示会2025")
    survivor.tags.add(common)
    duplicate.tags.add(common, only_dup)
    ContactFactory.create_batch(2, customer=duplicate)
    ContactFactory(customer=survivor)
    Touchpoint.objects.create(customer=duplicate, department="sales", channel="phone", summary="電話", occurred_at=BEFORE)
    for customer, amount in ((survivor, 1000), (duplicate, 5000), (duplicate, 7000)):
        Purchase.objects.create(customer=customer, purchased_on=TODAY - datetime.timedelta(days=amount // 100),
                                amount=amount, row_key=f"k{customer.pk}-{amount}")
    refresh_purchase_summaries(as_of=TODAY)
    Inquiry.objects.create(customer=duplicate, name="山田", email="y@example.jp", message="見積")
    for customer, status in ((survivor, "active"), (duplicate, "dormant")):
        CustomerDormancy.objects.create(customer=customer, status=status, as_of=TODAY)
    StatusChange.objects.create(customer=duplicate, to_status="dormant", as_of=TODAY)
    rule = ReviewRule.objects.create(name="2年接触なし", kind="prospect_no_contact", months=24)
    ReviewFlag.objects.create(customer=survivor, rule=rule)
    ReviewFlag.objects.create(customer=duplicate, rule=rule)
    both = Campaign.objects.create(name="秋", starts_on=TODAY, ends_on=TODAY, channel="email")
    only = Campaign.objects.create(name="冬", starts_on=TODAY, ends_on=TODAY, channel="email")
    step = CampaignStep.objects.create(campaign=both, position=1, channel="email")
    CampaignTarget.objects.create(campaign=both, customer=survivor, due_on=TODAY)
    dup_target = CampaignTarget.objects.create(campaign=both, customer=duplicate, due_on=TODAY)
    StepExecution.objects.create(step=step, campaign=both, target=dup_target, customer=duplicate, due_on=TODAY)
    CampaignTarget.objects.create(campaign=only, customer=duplicate, due_on=TODAY)
    from visits.models import VisitTask

    VisitTask.objects.create(customer=survivor, due_on=TODAY)  # open, one per purpose: collides with the next
    VisitTask.objects.create(customer=duplicate, due_on=TODAY)
    VisitTask.objects.create(customer=duplicate, due_on=TODAY, state="done")
    earlier = CustomerFactory(name="北斗精機 旧")
    Customer.objects.filter(pk=earlier.pk).update(merged_into=duplicate)
    return survivor, duplicate


def test_every_relation_to_customer_is_classified():
    """Fails when a model with a foreign key or one-to-one to Customer is added without saying how a merge treats
    it (customers/maintenance/merge_rules.py MERGE_RULES, or register_merge_rule from the app's ready())."""
    assert merge_rules.unclassified_relations() == []


def test_it_moves_every_related_row_to_the_survivor(pair, maintainer):
    from campaigns.models import CampaignTarget, StepExecution

    survivor, duplicate = pair
    merge = customer_merge(survivor=survivor, duplicate=duplicate, chosen_fields={"name": "survivor"}, by=maintainer)
    for model, field in merge_rules.customer_relations():
        if merge_rules.rule_for(model, field) == merge_rules.MOVE:
            left = model._base_manager.filter(**{field.attname: duplicate.pk})
            assert not left.exists(), f"{model._meta.label}.{field.name} rows left on the duplicate"
    assert Contact.objects.filter(customer=survivor).count() == 3
    assert Purchase.objects.filter(customer=survivor).count() == 3
    assert Inquiry.objects.get().customer_id == survivor.pk
    assert set(survivor.tags.values_list("name", flat=True)) == {"製造業", "展示会2025"}
    # One target per (campaign, customer): the survivor's is kept, the duplicate's (and its execution) removed.
    assert CampaignTarget.objects.filter(customer=survivor).count() == 2
    assert not StepExecution.objects.exists()
    assert ReviewFlag.objects.filter(customer=survivor).count() == 1
    from visits.models import VisitTask

    assert sorted(VisitTask.objects.filter(customer=survivor).values_list("state", flat=True)) == ["done", "open"]
    assert Customer.objects.get(name="北斗精機 旧").merged_into_id == survivor.pk
    assert duplicate.merged_into_id == survivor.pk
    assert merge.state == CustomerMerge.State.DONE


def test_it_recomputes_the_summary_and_drops_the_duplicates(pair, maintainer):
    from crm.dormancy.models import CustomerDormancy

    survivor, duplicate = pair
    customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    summary = CustomerPurchaseSummary.objects.get(customer=survivor)
    assert (summary.total_amount, summary.purchase_days, summary.as_of) == (13000, 3, TODAY)
    assert not CustomerPurchaseSummary.objects.filter(customer=duplicate).exists()
    assert not CustomerDormancy.objects.filter(customer=duplicate).exists()


def test_it_keeps_the_chosen_values(pair, maintainer):
    survivor, duplicate = pair
    customer_merge(survivor=survivor, duplicate=duplicate, chosen_fields={"name": "duplicate"}, by=maintainer)
    survivor.refresh_from_db()
    assert survivor.name == "北斗精器(株)"
    # Not chosen, empty on the survivor: the duplicate's value fills it.
    assert (survivor.phone, survivor.email) == ("03-1234-5678", "hokuto@example.jp")
    assert survivor.history.first().history_user == maintainer


def test_an_opt_out_on_either_record_wins(pair, maintainer):
    survivor, duplicate = pair
    customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    survivor.refresh_from_db()
    assert survivor.has_email_consent is False
    assert survivor.email_consent_method == "電話で配信停止"
    assert survivor.email_consent_changed_at == BEFORE + datetime.timedelta(days=1)


@pytest.mark.parametrize("a,b,expected", [
    ((True, BEFORE), (False, None), True),  # given on one, never asked on the other
    ((False, None), (False, None), False),
    ((True, BEFORE), (False, BEFORE), False),  # withdrawn on one
    ((False, BEFORE), (True, BEFORE + datetime.timedelta(days=9)), False),  # a later grant does not beat an opt-out
])
def test_consent_merges_conservatively(a, b, expected):
    one = Customer(has_dm_consent=a[0], dm_consent_changed_at=a[1])
    two = Customer(has_dm_consent=b[0], dm_consent_changed_at=b[1])
    assert merged_consent(one, two, "dm")[0] is expected
    assert merged_consent(two, one, "dm")[0] is expected


def test_undo_restores_the_exact_previous_state(pair, maintainer):
    survivor, duplicate = pair
    started = timezone.now()
    before = full_dump(started)
    merge = customer_merge(survivor=survivor, duplicate=duplicate, chosen_fields={"name": "duplicate"}, by=maintainer)
    assert full_dump(started) != before
    customer_merge_undo(merge=merge, by=maintainer)
    assert full_dump(started) == before
    merge.refresh_from_db()
    assert (merge.state, merge.undone_by) == (CustomerMerge.State.UNDONE, maintainer)


def test_the_snapshot_names_each_moved_rows_original_customer(pair, maintainer):
    survivor, duplicate = pair
    contact_ids = set(Contact.objects.filter(customer=duplicate).values_list("pk", flat=True))
    merge = customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    entry = next(e for e in merge.snapshot["relations"] if e["model"] == "customers.Contact")
    assert (set(entry["moved"]), entry["from_customer_id"]) == (contact_ids, duplicate.pk)
    assert {row["pk"] for row in merge.snapshot["customers"]} == {survivor.pk, duplicate.pk}


def test_an_undone_merge_cannot_be_undone_again(pair, maintainer):
    survivor, duplicate = pair
    merge = customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    customer_merge_undo(merge=merge, by=maintainer)
    with pytest.raises(MergeError):
        customer_merge_undo(merge=merge, by=maintainer)


def test_a_merged_record_cannot_be_merged_again(pair, maintainer):
    survivor, duplicate = pair
    customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    with pytest.raises(MergeError):
        customer_merge(survivor=CustomerFactory(), duplicate=duplicate, by=maintainer)
    with pytest.raises(MergeError):
        customer_merge(survivor=survivor, duplicate=survivor, by=maintainer)


@pytest.mark.parametrize("role,allowed", [(Role.SALES_REP, False), (Role.MANAGER, False),
                                          (Role.LIST_MAINTAINER, True), (Role.ADMIN, True)])
def test_only_maintainer_and_admin_merge_and_undo(users_by_role, maintainer, role, allowed):
    user = users_by_role[role]
    survivor, duplicate = CustomerFactory(assigned_rep=user), CustomerFactory(assigned_rep=user)
    if not allowed:
        with pytest.raises(Refused):
            customer_merge(survivor=survivor, duplicate=duplicate, by=user)
        assert not CustomerMerge.objects.exists()
        merge = customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
        with pytest.raises(Refused):
            customer_merge_undo(merge=merge, by=user)
        return
    merge = customer_merge(survivor=survivor, duplicate=duplicate, by=user)
    customer_merge_undo(merge=merge, by=user)


def test_a_merge_refuses_when_a_relation_is_unclassified(pair, maintainer, monkeypatch, caplog, english):
    survivor, duplicate = pair
    monkeypatch.delitem(merge_rules.MERGE_RULES, ("customers.Touchpoint", "customer"))
    with pytest.raises(MergeError, match=r"nothing was changed .*: Touchpoints$"):
        customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    assert "customers.Touchpoint.customer" in caplog.text  # for whoever classifies it
    assert not CustomerMerge.objects.exists()


def test_a_merge_queues_a_dormancy_scan_after_commit(pair, maintainer, django_capture_on_commit_callbacks,
                                                      monkeypatch):
    from crm.dormancy import tasks

    queued = []
    monkeypatch.setattr(tasks.scan_dormancy_nightly, "delay", lambda **kwargs: queued.append(kwargs))
    survivor, duplicate = pair
    with django_capture_on_commit_callbacks(execute=True):
        customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
    assert queued == [{"triggered_by": "merge"}]
