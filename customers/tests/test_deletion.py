"""Personal-data deletion requests: received, executed once, personal fields erased everywhere (history too),
purchase totals kept, logged; only maintainer and admin; no other hard deletion."""
import datetime

import pytest
from django.contrib.admin.sites import site

from crm.permissions import Refused
from crm.roles import Role
from customers.maintenance.deletion import deletion_request_execute, deletion_request_receive
from customers.models import Contact, Customer, CustomerMerge, DeletionRequest, Inquiry, Purchase, Touchpoint
from customers.purchases.summary import refresh_purchase_summaries
from customers.services import DeletionError, MergeError, customer_merge, customer_merge_undo, customer_update
from customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 1)


@pytest.fixture
def customer(maintainer):
    customer = CustomerFactory(name="山田太郎", name_kana="ヤマダタロウ", kind=Customer.Kind.PERSON,
                               phone="090-1234-5678", email="taro@example.jp", address="千代田区1-1",
                               notes="奥様の誕生日は5月", has_email_consent=True)
    customer.name = "山田 太郎"
    customer_update(customer=customer, by=maintainer)  # a history row with the old name
    ContactFactory(customer=customer, name="山田花子")
    Touchpoint.objects.create(customer=customer, department="sales", channel="phone", summary="山田様と電話")
    Inquiry.objects.create(customer=customer, name="山田太郎", email="taro@example.jp", message="資料請求")
    for amount in (1000, 2500):
        Purchase.objects.create(customer=customer, purchased_on=TODAY, amount=amount, row_key=f"d{amount}")
    refresh_purchase_summaries(as_of=TODAY)
    return customer


def receive(customer, by):
    return deletion_request_receive(customer=customer, requested_by="山田太郎 本人", requested_on=TODAY,
                                    channel="電話", by=by)


def test_it_records_the_request_without_erasing(customer, maintainer):
    request = receive(customer, maintainer)
    assert (request.state, request.received_by, request.customer_code) == ("received", maintainer, customer.code)
    assert Customer.objects.get(pk=customer.pk).name == "山田 太郎"


def test_execution_erases_personal_data_everywhere(customer, maintainer):
    request = deletion_request_execute(request=receive(customer, maintainer), by=maintainer)
    customer.refresh_from_db()
    assert customer.name == f"削除済み顧客 {customer.code}" or customer.name == f"Deleted customer {customer.code}"
    assert (customer.name_kana, customer.phone, customer.email, customer.address, customer.notes) == ("",) * 5
    assert customer.lifecycle == Customer.Lifecycle.RETIRED and not customer.has_email_consent
    assert not Contact.objects.filter(customer=customer).exists()
    assert not Contact.history.filter(customer_id=customer.pk).exists()
    assert Touchpoint.objects.get(customer=customer).summary == "—"
    assert Inquiry.objects.get(customer=customer).email == "erased@invalid"
    names = set(customer.history.values_list("name", flat=True))
    assert names == {customer.name}
    assert not customer.history.exclude(phone="").exists()
    assert (request.state, request.executed_by) == ("executed", maintainer)
    assert request.log["contacts_deleted"] == 1 and request.log["history_rows_blanked"] >= 2
    assert "山田" not in str(request.log)


def test_purchase_totals_are_kept(customer, maintainer):
    deletion_request_execute(request=receive(customer, maintainer), by=maintainer)
    assert Purchase.objects.filter(customer=customer).count() == 2
    customer.refresh_from_db()
    assert customer.purchase_summary.total_amount == 3500


def test_a_request_is_executed_once(customer, maintainer):
    request = receive(customer, maintainer)
    deletion_request_execute(request=request, by=maintainer)
    with pytest.raises(DeletionError):
        deletion_request_execute(request=request, by=maintainer)


def test_a_merge_involving_the_customer_can_no_longer_be_undone(customer, maintainer):
    other = CustomerFactory()
    merge = customer_merge(survivor=other, duplicate=customer, by=maintainer)
    deletion_request_execute(request=receive(Customer.objects.get(pk=customer.pk), maintainer), by=maintainer)
    merge.refresh_from_db()
    assert merge.snapshot == {}
    with pytest.raises(MergeError):
        customer_merge_undo(merge=CustomerMerge.objects.get(pk=merge.pk), by=maintainer)


@pytest.mark.parametrize("role,allowed", [(Role.SALES_REP, False), (Role.MANAGER, False),
                                          (Role.LIST_MAINTAINER, True), (Role.ADMIN, True)])
def test_only_maintainer_and_admin_handle_deletion_requests(users_by_role, customer, maintainer, role, allowed):
    user = users_by_role[role]
    if allowed:
        deletion_request_execute(request=receive(customer, user), by=user)
        return
    with pytest.raises(Refused):
        receive(customer, user)
    request = receive(customer, maintainer)
    with pytest.raises(Refused):
        deletion_request_execute(request=request, by=user)
    assert DeletionRequest.objects.get().state == "received"


def test_the_admin_cannot_delete_customers(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    assert site._registry[Customer].has_delete_permission(request) is False
