"""CustomerPurchaseSummary after import, edit and delete, compared with an aggregate computed directly."""
import datetime as dt
import itertools
import statistics

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from customers.models import Customer, CustomerPurchaseSummary, Purchase
from customers.purchases.importer import purchases_import
from customers.purchases.services import purchase_create, purchase_delete, purchase_update
from customers.purchases.summary import refresh_purchase_summaries

from .purchase_fixtures import sample_bytes, sample_customers, sample_products  # noqa: F401

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2027, 1, 15)


def expected_summary(customer_id, as_of):
    """The figures recomputed in Python from the rows, independently of the SQL."""
    rows = list(Purchase.objects.filter(customer_id=customer_id).values_list("purchased_on", "amount"))
    days = sorted({day for day, _ in rows})
    last_start, prev_start = as_of - relativedelta(months=12), as_of - relativedelta(months=24)
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    return {
        "first_purchase_on": days[0],
        "last_purchase_on": days[-1],
        "purchase_days": len(days),
        "total_amount": sum(a for _, a in rows),
        "amount_last_12m": sum(a for d, a in rows if last_start < d <= as_of),
        "amount_prev_12m": sum(a for d, a in rows if prev_start < d <= last_start),
        "median_interval_days": float(statistics.median(gaps)) if gaps else None,
        "as_of": as_of,
    }


def stored_summary(customer_id):
    return CustomerPurchaseSummary.objects.filter(customer_id=customer_id).values(
        "first_purchase_on", "last_purchase_on", "purchase_days", "total_amount", "amount_last_12m",
        "amount_prev_12m", "median_interval_days", "as_of").get()


@pytest.fixture
def imported(sample_customers, sample_products, sample_bytes):  # noqa: F811
    with time_machine.travel(dt.datetime(2027, 1, 15, 10, tzinfo=dt.UTC), tick=False):
        purchases_import(data=sample_bytes, filename="p.csv", only_valid=True)
    return sample_customers


class TestSummaries:
    def test_it_matches_a_direct_aggregate_for_every_customer_after_import(self, imported):
        assert CustomerPurchaseSummary.objects.count() == 18
        for customer in imported:
            assert stored_summary(customer.pk) == expected_summary(customer.pk, AS_OF), customer.code

    def test_it_counts_purchase_days_not_lines(self, imported):
        customer = imported[0]
        day = Purchase.objects.filter(customer=customer).first().purchased_on
        before = stored_summary(customer.pk)["purchase_days"]
        Purchase.objects.create(customer=customer, purchased_on=day, amount=5, row_key="t:same-day")
        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[customer.pk])

        assert stored_summary(customer.pk)["purchase_days"] == before
        assert stored_summary(customer.pk) == expected_summary(customer.pk, AS_OF)

    def test_it_follows_an_edit(self, imported, maintainer):
        customer = imported[2]
        purchase = Purchase.objects.filter(customer=customer).order_by("purchased_on").first()
        with time_machine.travel(dt.datetime(2027, 1, 15, 10, tzinfo=dt.UTC), tick=False):
            purchase_update(purchase=purchase, by=maintainer, amount=1, purchased_on=dt.date(2026, 12, 1))

        assert stored_summary(customer.pk) == expected_summary(customer.pk, AS_OF)
        assert stored_summary(customer.pk)["amount_last_12m"] == expected_summary(customer.pk, AS_OF)["amount_last_12m"]

    def test_it_moves_figures_when_a_line_changes_customer(self, imported, maintainer):
        source, target = imported[3], imported[4]
        purchase = Purchase.objects.filter(customer=source).first()
        with time_machine.travel(dt.datetime(2027, 1, 15, 10, tzinfo=dt.UTC), tick=False):
            purchase_update(purchase=purchase, by=maintainer, customer=target)

        assert stored_summary(target.pk) == expected_summary(target.pk, AS_OF)
        assert not Purchase.objects.filter(customer=source).exists()
        assert not CustomerPurchaseSummary.objects.filter(customer=source).exists()

    def test_it_follows_a_delete_and_drops_the_row_with_the_last_purchase(self, imported, maintainer):
        customer = imported[0]
        purchases = list(Purchase.objects.filter(customer=customer))
        with time_machine.travel(dt.datetime(2027, 1, 15, 10, tzinfo=dt.UTC), tick=False):
            purchase_delete(purchase=purchases[0], by=maintainer)
            assert stored_summary(customer.pk) == expected_summary(customer.pk, AS_OF)
            for purchase in purchases[1:]:
                purchase_delete(purchase=purchase, by=maintainer)

        assert not CustomerPurchaseSummary.objects.filter(customer=customer).exists()

    def test_it_follows_a_hand_entered_purchase(self, imported, maintainer):
        customer = Customer.objects.create(code="N0001", name="新規")
        with time_machine.travel(dt.datetime(2027, 1, 15, 10, tzinfo=dt.UTC), tick=False):
            purchase_create(by=maintainer, customer=customer, purchased_on=dt.date(2026, 1, 10), amount=500)
            purchase_create(by=maintainer, customer=customer, purchased_on=dt.date(2026, 3, 10), amount=700)

        assert stored_summary(customer.pk) == expected_summary(customer.pk, AS_OF)
        assert stored_summary(customer.pk)["median_interval_days"] == 59.0

    def test_it_refuses_edits_by_a_sales_rep(self, imported, rep):
        from django.core.exceptions import PermissionDenied

        purchase = Purchase.objects.first()
        with pytest.raises(PermissionDenied):
            purchase_delete(purchase=purchase, by=rep)
        assert Purchase.objects.filter(pk=purchase.pk).exists()

    def test_it_moves_the_12_month_windows_with_as_of(self, imported):
        later = dt.date(2028, 6, 30)
        written = refresh_purchase_summaries(as_of=later)

        assert written == 18
        for customer in imported:
            assert stored_summary(customer.pk) == expected_summary(customer.pk, later)

    def test_it_leaves_other_customers_alone_when_given_ids(self, imported):
        other = imported[1]
        CustomerPurchaseSummary.objects.filter(customer=other).update(total_amount=-1)
        refresh_purchase_summaries(as_of=AS_OF, customer_ids=[imported[0].pk])

        assert CustomerPurchaseSummary.objects.get(customer=other).total_amount == -1
        assert refresh_purchase_summaries(as_of=AS_OF, customer_ids=[]) == 0
