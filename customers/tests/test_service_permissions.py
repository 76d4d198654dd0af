"""The services are the guarantee: each role calls them directly (no view, no form) and is refused or not.

Rights are checked on the row as stored, so an instance the caller has already changed (a rep who made
himself the rep, a purchase moved to another customer) grants nothing and loses nothing.
"""
import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from crm.permissions import Refused
from crm.roles import Role
from customers import services
from customers.models import Contact, Customer, CustomerPurchaseSummary, MarketEvent, PriceChange, Product, Purchase
from customers.purchases import services as purchase_services
from customers.purchases.summary import refresh_purchase_summaries

from .factories import ContactFactory, CustomerFactory, ProductFactory, PurchaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
OFFICE = [Role.LIST_MAINTAINER, Role.MANAGER, Role.ADMIN]


@pytest.fixture
def own(rep):
    return CustomerFactory(name="株式会社佐藤工務店", assigned_rep=rep)


@pytest.fixture
def theirs(other_rep):
    return CustomerFactory(name="高橋設備株式会社", assigned_rep=other_rep)


def _fresh(customer):
    """The row as a form would get it: a separate instance the caller may change."""
    return Customer.objects.get(pk=customer.pk)


class TestCustomerUpdate:
    def test_it_lets_a_rep_edit_his_own_account(self, rep, own):
        edited = _fresh(own)
        edited.notes = "月末に再訪"
        services.customer_update(customer=edited, by=rep)
        assert _fresh(own).notes == "月末に再訪"

    def test_it_refuses_a_rep_on_another_reps_account_and_says_whose_it_is(self, rep, theirs):
        edited = _fresh(theirs)
        edited.notes = "勝手なメモ"
        with pytest.raises(Refused) as refused:
            services.customer_update(customer=edited, by=rep)
        assert refused.value.reason == "You are not the rep of this customer, so you cannot edit it (rep: 高橋 営業)."
        assert _fresh(theirs).notes == ""

    def test_it_refuses_a_rep_who_made_himself_the_rep_on_the_instance(self, rep, other_rep, theirs):
        # The bypass: checked on the edited object, this passed (the object said the rep was him).
        edited = _fresh(theirs)
        edited.assigned_rep = rep
        edited.notes = "担当を乗っ取り"
        with pytest.raises(Refused) as refused:
            services.customer_update(customer=edited, by=rep)
        assert refused.value.action == "customers.edit"
        stored = _fresh(theirs)
        assert (stored.assigned_rep, stored.notes) == (other_rep, "")

    @pytest.mark.parametrize("new_rep", ["other_rep", None])
    def test_it_refuses_a_rep_who_hands_over_or_drops_his_own_account(self, request, rep, own, new_rep):
        edited = _fresh(own)
        edited.assigned_rep = request.getfixturevalue(new_rep) if new_rep else None
        with pytest.raises(Refused) as refused:
            services.customer_update(customer=edited, by=rep)
        assert refused.value.action == "customers.reassign"
        assert "List maintainer / Administrator" in refused.value.reason
        assert _fresh(own).assigned_rep == rep

    def test_it_refuses_a_manager_who_reassigns_his_own_account(self, manager, rep):
        mine = CustomerFactory(assigned_rep=manager)
        edited = _fresh(mine)
        edited.assigned_rep = rep
        with pytest.raises(Refused):
            services.customer_update(customer=edited, by=manager)
        assert _fresh(mine).assigned_rep == manager

    def test_it_lets_a_manager_edit_his_own_account_but_not_another_reps(self, manager, theirs):
        mine = CustomerFactory(assigned_rep=manager)
        edited = _fresh(mine)
        edited.budget = "年300万円"
        services.customer_update(customer=edited, by=manager)
        assert _fresh(mine).budget == "年300万円"
        with pytest.raises(Refused):
            services.customer_update(customer=_fresh(theirs), by=manager)

    @pytest.mark.parametrize("role", [Role.LIST_MAINTAINER, Role.ADMIN])
    def test_it_lets_maintainers_and_admins_reassign_any_account(self, role, users_by_role, rep, theirs):
        edited = _fresh(theirs)
        edited.assigned_rep = rep
        services.customer_update(customer=edited, by=users_by_role[role])
        assert _fresh(theirs).assigned_rep == rep

    def test_it_refuses_the_owner_to_retire_or_revive_but_lets_the_maintainer(self, rep, maintainer, own):
        edited = _fresh(own)
        edited.lifecycle = Customer.Lifecycle.RETIRED
        with pytest.raises(Refused, match=r"customers\.retire"):
            services.customer_update(customer=edited, by=rep)
        services.customer_update(customer=edited, by=maintainer)
        assert _fresh(own).lifecycle == Customer.Lifecycle.RETIRED
        revived = _fresh(own)
        revived.lifecycle = Customer.Lifecycle.CUSTOMER
        with pytest.raises(Refused, match=r"customers\.retire"):
            services.customer_update(customer=revived, by=rep)
        assert _fresh(own).lifecycle == Customer.Lifecycle.RETIRED

    def test_it_refuses_an_account_without_rep_to_a_rep_and_says_who_may(self, rep):
        orphan = CustomerFactory(assigned_rep=None)
        with pytest.raises(Refused) as refused:
            services.customer_update(customer=_fresh(orphan), by=rep)
        assert refused.value.reason == (
            "This customer has no rep, so you cannot edit it (allowed: List maintainer / Administrator).")


class TestCustomerCreate:
    def test_it_makes_a_reps_new_customer_his_own(self, rep):
        customer = services.customer_create(customer=Customer(name="新規工務店"), by=rep)
        assert _fresh(customer).assigned_rep == rep

    @pytest.mark.parametrize("role", [Role.SALES_REP, Role.MANAGER])
    def test_it_refuses_to_give_a_new_customer_to_someone_else(self, role, users_by_role, other_rep):
        with pytest.raises(Refused, match=r"customers\.reassign"):
            services.customer_create(customer=Customer(name="新規工務店", assigned_rep=other_rep),
                                     by=users_by_role[role])
        assert not Customer.objects.exists()

    def test_it_lets_the_maintainer_register_a_customer_for_a_rep(self, maintainer, rep):
        customer = services.customer_create(customer=Customer(name="新規工務店", assigned_rep=rep), by=maintainer)
        assert (_fresh(customer).assigned_rep, customer.created_by) == (rep, maintainer)

    def test_it_refuses_a_rep_to_register_a_retired_customer(self, rep):
        with pytest.raises(Refused, match=r"customers\.retire"):
            services.customer_create(customer=Customer(name="昔の商店", lifecycle=Customer.Lifecycle.RETIRED), by=rep)
        assert not Customer.objects.exists()

    def test_it_refuses_anonymous_callers(self):
        with pytest.raises(Refused) as refused:
            services.customer_create(customer=Customer(name="匿名"), by=AnonymousUser())
        assert refused.value.reason == "You are not signed in, or your account has been deactivated."


class TestContacts:
    @pytest.mark.parametrize(("role", "allowed"), [(Role.SALES_REP, False), (Role.MANAGER, False),
                                                   (Role.LIST_MAINTAINER, True), (Role.ADMIN, True)])
    def test_it_applies_the_customer_edit_rule_to_another_reps_account(self, role, allowed, users_by_role, theirs):
        contact = Contact(customer=theirs, name="高橋 一郎")
        if allowed:
            services.contact_save(contact=contact, by=users_by_role[role])
        else:
            with pytest.raises(Refused):
                services.contact_save(contact=contact, by=users_by_role[role])
        assert Contact.objects.filter(customer=theirs).exists() is allowed

    def test_it_lets_the_rep_add_a_contact_to_his_own_account(self, rep, own):
        services.contact_save(contact=Contact(customer=own, name="佐藤 次郎", phone="０３１２３４５６７８"), by=rep)
        assert Contact.objects.get(customer=own).phone == "03-1234-5678"

    def test_it_refuses_a_rep_who_moves_another_reps_contact_to_his_account(self, rep, own, theirs):
        contact = ContactFactory(customer=theirs)
        moved = Contact.objects.get(pk=contact.pk)
        moved.customer = own  # he may edit `own`; the stored contact belongs to `theirs`
        with pytest.raises(Refused):
            services.contact_save(contact=moved, by=rep)
        assert Contact.objects.get(pk=contact.pk).customer == theirs

    def test_it_lets_the_maintainer_move_a_contact(self, maintainer, own, theirs):
        contact = ContactFactory(customer=theirs)
        moved = Contact.objects.get(pk=contact.pk)
        moved.customer = own
        services.contact_save(contact=moved, by=maintainer)
        assert Contact.objects.get(pk=contact.pk).customer == own


class TestTouchpoints:
    @pytest.mark.parametrize("role", list(Role))
    def test_it_lets_every_role_add_to_any_customer(self, role, users_by_role, theirs):
        touchpoint = services.touchpoint_add(customer=theirs, by=users_by_role[role], department="sales",
                                             channel="visit", summary=" 展示会で名刺交換 ")
        assert (touchpoint.customer, touchpoint.author, touchpoint.summary) == (
            theirs, users_by_role[role], "展示会で名刺交換")

    def test_it_refuses_anonymous_callers(self, theirs):
        with pytest.raises(PermissionDenied):
            services.touchpoint_add(customer=theirs, by=AnonymousUser(), department="sales", channel="visit",
                                    summary="x")
        assert not theirs.touchpoints.exists()


@pytest.fixture
def two_customers_with_a_line():
    first, second = CustomerFactory(), CustomerFactory()
    line = PurchaseFactory(customer=first, amount=50_000, purchased_on=dt.date(2026, 1, 10))
    PurchaseFactory(customer=second, amount=7_000, purchased_on=dt.date(2025, 12, 1))
    refresh_purchase_summaries(as_of=timezone.localdate(), customer_ids=[first.pk, second.pk])
    return first, second, line


def _totals(*customers):
    return [CustomerPurchaseSummary.objects.filter(customer=c).values_list("total_amount", flat=True).first()
            for c in customers]


class TestPurchaseCorrections:
    def test_it_refuses_a_rep_to_create_edit_or_delete_purchases(self, rep, two_customers_with_a_line):
        first, _second, line = two_customers_with_a_line
        with pytest.raises(Refused, match=r"purchases\.import"):
            purchase_services.purchase_create(by=rep, customer=first, purchased_on=dt.date(2026, 1, 1), amount=1)
        with pytest.raises(Refused):
            purchase_services.purchase_update(purchase=line, by=rep, amount=1)
        with pytest.raises(Refused):
            purchase_services.purchase_delete(purchase=line, by=rep)
        assert list(Purchase.objects.filter(customer=first).values_list("amount", flat=True)) == [50_000]

    @pytest.mark.parametrize("role", OFFICE)
    def test_it_lets_office_roles_correct_a_line_and_refreshes_the_summary(self, role, users_by_role,
                                                                            two_customers_with_a_line):
        first, _second, line = two_customers_with_a_line
        purchase_services.purchase_update(purchase=line, by=users_by_role[role], amount=45_000)
        assert Purchase.objects.get(pk=line.pk).amount == 45_000
        assert _totals(first) == [45_000]

    def test_it_moves_a_line_to_another_customer_and_refreshes_both(self, maintainer, two_customers_with_a_line):
        first, second, line = two_customers_with_a_line
        purchase_services.purchase_update(purchase=line, by=maintainer, customer=second)
        assert Purchase.objects.get(pk=line.pk).customer == second
        assert _totals(first, second) == [None, 57_000]  # a customer without purchases has no summary

    def test_it_applies_only_the_named_changes_to_the_stored_line(self, maintainer, two_customers_with_a_line):
        first, second, line = two_customers_with_a_line
        stale = Purchase.objects.get(pk=line.pk)
        stale.customer, stale.store = second, "勝手に変更"  # changed on the instance, not passed as changes
        saved = purchase_services.purchase_update(purchase=stale, by=maintainer, amount=40_000)
        stored = Purchase.objects.get(pk=line.pk)
        assert (stored.customer, stored.store, stored.amount) == (first, "本店", 40_000)
        assert (saved.customer, saved.amount) == (first, 40_000)
        assert _totals(first, second) == [40_000, 7_000]

    def test_it_deletes_the_stored_line_and_refreshes_its_customer(self, manager, two_customers_with_a_line):
        first, second, line = two_customers_with_a_line
        stale = Purchase.objects.get(pk=line.pk)
        stale.customer = second
        purchase_services.purchase_delete(purchase=stale, by=manager)
        assert not Purchase.objects.filter(pk=line.pk).exists()
        assert _totals(first, second) == [None, 7_000]  # the stored customer was refreshed, not the instance's


class TestCatalogue:
    @pytest.mark.parametrize("role", [Role.SALES_REP, Role.LIST_MAINTAINER])
    def test_it_refuses_every_catalogue_change_to_other_roles(self, role, users_by_role):
        user = users_by_role[role]
        product = ProductFactory(unit_price=980)
        change = PriceChange.objects.create(product=product, changed_on=dt.date(2026, 1, 1), old_price=900,
                                            new_price=980)
        event = MarketEvent.objects.create(occurred_on=dt.date(2026, 1, 1), kind="other", description="競合の新製品")
        calls = [
            lambda: purchase_services.product_create(by=user, code="NEW", name="新商品"),
            lambda: purchase_services.product_update(product=product, by=user, unit_price=1080),
            lambda: purchase_services.product_delete(product=product, by=user),
            lambda: purchase_services.price_change_save(by=user, price_change=PriceChange(
                product=product, changed_on=dt.date(2026, 2, 1), old_price=980, new_price=1080)),
            lambda: purchase_services.price_change_delete(by=user, price_change=change),
            lambda: purchase_services.market_event_save(by=user, event=MarketEvent(
                occurred_on=dt.date(2026, 2, 1), kind="other", description="x")),
            lambda: purchase_services.market_event_delete(by=user, event=event),
        ]
        for call in calls:
            with pytest.raises(Refused, match=r"products\.manage"):
                call()
        assert list(Product.objects.values_list("code", "unit_price")) == [(product.code, 980)]
        assert list(PriceChange.objects.values_list("pk", flat=True)) == [change.pk]
        assert list(MarketEvent.objects.values_list("pk", flat=True)) == [event.pk]

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
    def test_it_lets_managers_change_a_price_and_records_the_rise_from_the_stored_price(self, role, users_by_role):
        product = ProductFactory(unit_price=980)
        stale = Product.objects.get(pk=product.pk)
        stale.unit_price = 1000  # a caller's instance already changed: the old price is the stored one
        purchase_services.product_update(product=stale, by=users_by_role[role], unit_price=1080,
                                         changed_on=dt.date(2026, 3, 1))
        change = PriceChange.objects.get(product=product)
        assert (change.old_price, change.new_price, change.changed_on) == (980, 1080, dt.date(2026, 3, 1))
