"""Coupons redeemed where purchases come in: the purchase entry on the card, and the purchase import."""
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.coupons.services import coupons_issue_for_step
from campaigns.models import Coupon
from customers.models import ImportBatch, Purchase
from customers.purchases.importer import purchases_import

from .support import customer
from .test_coupons import campaign_step, drink, pizza, pizza_offer  # noqa: F401 -- fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(manager, pizza):  # noqa: F811
    """A customer and his coupon (two pizzas at once, 10 % off), valid from today for 10 days."""
    step = campaign_step(manager, offer=pizza_offer(pizza))
    buyer = customer(code="C-PIZZA")
    coupons_issue_for_step(step=step, customer_ids=[buyer.pk], today=timezone.localdate())
    return buyer, Coupon.objects.get(customer=buyer)


def enter(client, user, buyer, product, *, code, quantity=2):
    client.force_login(user)
    with translation.override("en"):
        return client.post(reverse("customers:purchase_enter", args=[buyer.pk]), {
            "purchased_on": timezone.localdate().isoformat(), "product": product.pk, "quantity": quantity,
            "amount": 4320, "store": "電話", "coupon_code": code}, HTTP_ACCEPT_LANGUAGE="en")


# ---------------------------------------------------------------- entry on the card


def test_entering_a_purchase_with_the_code_redeems_the_coupon(client, maintainer, issued, pizza):  # noqa: F811
    buyer, coupon = issued
    response = enter(client, maintainer, buyer, pizza, code=coupon.display_code.lower())
    assert response.status_code == 302
    line = Purchase.objects.get(customer=buyer)
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.REDEEMED and coupon.redeemed_purchase_id == line.pk


def test_entering_a_used_code_shows_why_and_saves_nothing(client, maintainer, issued, pizza):  # noqa: F811
    buyer, coupon = issued
    enter(client, maintainer, buyer, pizza, code=coupon.code)
    response = enter(client, maintainer, buyer, pizza, code=coupon.code)
    assert response.status_code == 200
    assert f"Coupon {coupon.display_code} was already used on" in response.content.decode()
    assert Purchase.objects.filter(customer=buyer).count() == 1


def test_entering_a_purchase_that_misses_the_offer_shows_what_is_missing(client, maintainer, issued, pizza,  # noqa: F811
                                                                         drink):  # noqa: F811
    buyer, coupon = issued
    response = enter(client, maintainer, buyer, pizza, code=coupon.code, quantity=1)
    assert "needs at least 2 at once" in response.content.decode()
    response = enter(client, maintainer, buyer, drink, code=coupon.code)
    assert "is only for シーフードスペシャル" in response.content.decode()
    assert not Purchase.objects.exists()
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.ISSUED


def test_entering_another_customers_code_or_a_typo_is_refused(client, maintainer, issued, pizza):  # noqa: F811
    _buyer, coupon = issued
    other = customer()
    assert "belongs to another customer" in enter(client, maintainer, other, pizza, code=coupon.code).content.decode()
    typo = coupon.code[:-1] + ("A" if coupon.code[-1] != "A" else "B")
    assert "typing mistake" in enter(client, maintainer, other, pizza, code=typo).content.decode()
    assert not Purchase.objects.exists()


def test_a_purchase_without_a_code_is_entered_as_before(client, maintainer, issued, pizza):  # noqa: F811
    buyer, coupon = issued
    assert enter(client, maintainer, buyer, pizza, code="").status_code == 302
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.ISSUED


def test_a_rep_may_not_enter_purchases(client, rep, issued, pizza):  # noqa: F811
    buyer, coupon = issued
    assert enter(client, rep, buyer, pizza, code=coupon.code).status_code == 403


# ---------------------------------------------------------------- import


HEADER = "customer_code,purchased_on,product_code,quantity,amount,store,order_ref,coupon_code\n"


def run_import(rows, *, batch=None):
    data = (HEADER + "".join(",".join(row) + "\n" for row in rows)).encode()
    with translation.override("en"):
        return purchases_import(data=data, filename="purchases.csv", batch=batch)


def test_an_imported_line_with_the_code_redeems_the_coupon_set_based(issued, pizza, drink):  # noqa: F811
    _buyer, coupon = issued
    today = timezone.localdate().isoformat()
    result = run_import([
        ["C-PIZZA", today, "P-SEA", "2", "4320", "本店", "O-1", coupon.display_code],
        # the drink of the same order carries the code too: no warning for it
        ["C-PIZZA", today, "D-COLA", "1", "300", "本店", "O-1", coupon.display_code],
    ])
    assert result.created == 2 and result.warnings == []
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.REDEEMED
    assert coupon.redeemed_purchase == Purchase.objects.get(product=pizza)
    assert coupon.redeemed_on == timezone.localdate()


def test_invalid_codes_in_an_import_are_warned_about_not_dropped(issued, pizza):  # noqa: F811
    _buyer, coupon = issued
    other = customer(code="C-OTHER")
    today = timezone.localdate()
    result = run_import([
        ["C-OTHER", today.isoformat(), "P-SEA", "2", "4320", "", "O-2", coupon.code],  # someone else's
        ["C-PIZZA", today.isoformat(), "P-SEA", "1", "2160", "", "O-3", coupon.code],  # one pizza only
        ["C-PIZZA", today.isoformat(), "P-SEA", "2", "4320", "", "O-4", "SPRING2026"],  # not ours
    ])
    assert result.created == 3
    reasons = {w["order_ref"]: w["reason"] for w in result.warnings}
    assert reasons["O-2"] == f"Coupon {coupon.display_code} belongs to another customer."
    assert reasons["O-3"] == f"Coupon {coupon.display_code} needs at least 2 at once."
    assert "typing mistake" in reasons["O-4"]
    assert {w["customer_code"] for w in result.warnings} == {"C-OTHER", "C-PIZZA"}
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.ISSUED
    assert other.pk  # the other customer's line is imported all the same
    assert Purchase.objects.filter(customer=other).count() == 1


def test_a_code_used_twice_in_one_import_is_redeemed_once_and_the_second_use_warned(issued, pizza):  # noqa: F811
    _buyer, coupon = issued
    today = timezone.localdate().isoformat()
    result = run_import([
        ["C-PIZZA", today, "P-SEA", "2", "4320", "", "O-5", coupon.code],
        ["C-PIZZA", today, "P-SEA", "3", "6480", "", "O-6", coupon.code],
    ])
    assert [w["order_ref"] for w in result.warnings] == ["O-6"]
    assert "already used" in result.warnings[0]["reason"]
    assert Coupon.objects.get(pk=coupon.pk).redeemed_purchase.order_ref == "O-5"


def test_reimporting_the_file_changes_nothing(issued, pizza):  # noqa: F811
    _buyer, coupon = issued
    rows = [["C-PIZZA", timezone.localdate().isoformat(), "P-SEA", "2", "4320", "", "O-7", coupon.code]]
    run_import(rows)
    again = run_import(rows)
    assert again.created == 0 and again.warnings == []
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.REDEEMED


def test_the_batch_keeps_the_warnings_and_the_preview_shows_them(client, maintainer, issued, pizza):  # noqa: F811
    from django.core.files.base import ContentFile

    from customers.purchases.batches import purchase_batch_run

    _buyer, coupon = issued
    other = customer(code="C-OTHER")
    data = HEADER + f"C-OTHER,{timezone.localdate().isoformat()},P-SEA,2,4320,,O-8,{coupon.code}\n"
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PURCHASES, original_name="p.csv", uploaded_by=maintainer,
                                       state=ImportBatch.State.CONFIRMED, file=ContentFile(data.encode(), "p.csv"))
    with translation.override("en"):
        purchase_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.DONE
    assert batch.options["warnings"][0]["reason"] == f"Coupon {coupon.display_code} belongs to another customer."
    assert Purchase.objects.get(customer=other).import_batch_id == batch.pk
    client.force_login(maintainer)
    page = client.get(reverse("customers:purchase_import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="import-warning"' in page and coupon.code in page
