"""The order-entry coupon: proposed on the card for a regular customer, issued in one click, printed as a slip."""
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.coupons.proposal import order_entry_proposal
from campaigns.coupons.services import CouponRefused, coupon_issue_at_order_entry
from campaigns.coupons.slip import coupon_slip_pdf
from campaigns.models import Coupon
from crm.permissions import Refused, can
from crm.roles import Role
from customers.models import Purchase
from customers.purchases.summary import refresh_purchase_summaries

from .support import customer
from .test_coupons import drink, pizza  # noqa: F401 -- fixtures

pytestmark = pytest.mark.django_db


def buys(buyer, product, days_ago, *, quantity=1):
    today = timezone.localdate()
    Purchase.objects.bulk_create([
        Purchase(customer=buyer, product=product, purchased_on=today - datetime.timedelta(days=ago),
                 quantity=Decimal(quantity), amount=2400 * quantity, row_key=f"t:{buyer.pk}:{ago}:{product.pk}")
        for ago in days_ago])
    refresh_purchase_summaries(as_of=today, customer_ids=[buyer.pk])
    return buyer


@pytest.fixture
def regular(pizza, drink):  # noqa: F811
    """山田 太郎 orders a Seafood Special every 7 days (and a cola now and then)."""
    buyer = buys(customer(name="山田 太郎", phone="090-1234-5678"), pizza, [3, 10, 17, 24, 31, 38, 45, 52])
    return buys(buyer, drink, [10, 31])


@pytest.fixture
def irregular(pizza):  # noqa: F811
    return buys(customer(name="気まぐれ 花子"), pizza, [2, 22, 27, 67, 76, 150])


def test_a_regular_customer_gets_a_bigger_basket_sooner_proposal(regular, pizza):  # noqa: F811
    proposal = order_entry_proposal(customer=regular, today=timezone.localdate())
    assert proposal.product_id == pizza.pk
    assert proposal.usual_interval_days == 7
    assert proposal.min_quantity == 2  # two at once
    assert proposal.discount_value == 10
    assert proposal.valid_days < 7  # sooner than the usual interval
    assert proposal.valid_until == timezone.localdate() + datetime.timedelta(days=proposal.valid_days - 1)


def test_an_irregular_customer_gets_no_proposal(irregular):
    assert order_entry_proposal(customer=irregular, today=timezone.localdate()) is None


def test_too_few_purchases_are_no_pattern(pizza):  # noqa: F811
    assert order_entry_proposal(customer=buys(customer(), pizza, [1, 8, 15]), today=timezone.localdate()) is None


def test_the_usual_quantity_doubles_for_the_basket(pizza):  # noqa: F811
    buyer = buys(customer(), pizza, [1, 15, 29, 43, 57], quantity=3)
    proposal = order_entry_proposal(customer=buyer, today=timezone.localdate())
    assert (proposal.usual_interval_days, proposal.min_quantity) == (14, 6)


def test_the_card_proposes_it_and_one_click_issues_it(client_for, rep, regular):
    url = reverse("customers:detail", args=[regular.pk])
    page = client_for(rep).get(url).content.decode()
    assert 'data-testid="coupon-proposal"' in page and 'data-testid="coupon-issue"' in page
    response = client_for(rep).post(reverse("campaigns:coupon_order_entry_issue", args=[regular.pk]))
    assert response.status_code == 302
    coupon = Coupon.objects.get(customer=regular)
    assert (coupon.source, coupon.issued_by, coupon.min_quantity) == (Coupon.Source.ORDER_ENTRY, rep, 2)
    page = client_for(rep).get(url).content.decode()
    assert 'data-testid="coupon-proposal"' not in page
    assert coupon.display_code in page and 'data-testid="coupon-slip"' in page


def test_the_card_of_an_irregular_customer_proposes_nothing(client_for, rep, irregular):
    page = client_for(rep).get(reverse("customers:detail", args=[irregular.pk])).content.decode()
    assert 'data-testid="coupon-proposal"' not in page


def test_a_second_click_issues_nothing_more(rep, regular):
    first = coupon_issue_at_order_entry(customer=regular, by=rep)
    assert coupon_issue_at_order_entry(customer=regular, by=rep) == first
    assert Coupon.objects.filter(customer=regular).count() == 1


def test_a_lapsed_open_coupon_does_not_block_the_next(rep, regular):
    first = coupon_issue_at_order_entry(customer=regular, by=rep)
    later = timezone.localdate() + datetime.timedelta(days=30)
    second = coupon_issue_at_order_entry(customer=regular, by=rep, today=later)
    assert second != first
    assert Coupon.objects.get(pk=first.pk).state == Coupon.State.EXPIRED


def test_issuing_for_an_irregular_customer_is_refused_with_a_reason(rep, irregular):
    with translation.override("en"), pytest.raises(CouponRefused) as caught:
        coupon_issue_at_order_entry(customer=irregular, by=rep)
    assert "no regular buying pattern" in caught.value.messages[0]


def test_the_slip_names_the_customer_and_the_code(rep, regular):
    from pypdf import PdfReader

    coupon = coupon_issue_at_order_entry(customer=regular, by=rep)
    with translation.override("ja"):
        pdf = coupon_slip_pdf(coupon=Coupon.objects.select_related("customer", "product").get(pk=coupon.pk))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "山田 太郎" in text or "山田太郎" in text.replace(" ", "")
    assert coupon.display_code in text
    assert "シーフードスペシャル" in text


def test_the_slip_is_served_as_a_pdf(client_for, rep, regular):
    coupon = coupon_issue_at_order_entry(customer=regular, by=rep)
    response = client_for(rep).get(reverse("campaigns:coupon_slip", args=[coupon.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("role", list(Role.values))
def test_everyone_who_takes_the_call_may_issue_it(role, make_user, regular):
    user = make_user(f"u-{role}", role)
    assert can(user, "coupons.issue", regular)
    assert coupon_issue_at_order_entry(customer=regular, by=user).issued_by == user


def test_an_inactive_user_may_not_issue_nor_print(make_user, client, regular):
    user = make_user("gone", Role.SALES_REP, is_active=False)
    with pytest.raises(Refused):
        coupon_issue_at_order_entry(customer=regular, by=user)
    response = client.post(reverse("campaigns:coupon_order_entry_issue", args=[regular.pk]))
    assert response.status_code in (302, 403)  # anonymous: to the sign-in page
    assert not Coupon.objects.exists()


def test_a_coupon_handed_out_by_mistake_is_cancelled_from_the_card(client_for, rep, regular):
    coupon = coupon_issue_at_order_entry(customer=regular, by=rep)
    response = client_for(rep).post(reverse("campaigns:coupon_cancel", args=[coupon.pk]))
    assert response.status_code == 302
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.CANCELLED
