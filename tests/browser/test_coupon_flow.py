"""A regular customer calls to order: the rep looks him up by phone, issues the proposed coupon, prints the slip."""
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import Coupon
from customers.models import Customer, Product, Purchase
from customers.purchases.summary import refresh_purchase_summaries

pytestmark = pytest.mark.browser


@pytest.fixture
def regular_customer(db):
    """山田 太郎 orders a Seafood Special every 7 days."""
    today = timezone.localdate()
    pizza = Product.objects.create(code="P-SEA", name="シーフードスペシャル", category="ピザ", unit_price=2400)
    customer = Customer.objects.create(code="C-0001", name="山田 太郎", lifecycle="customer", phone="090-1234-5678")
    Purchase.objects.bulk_create([
        Purchase(customer=customer, product=pizza, purchased_on=today - datetime.timedelta(days=ago),
                 quantity=Decimal(1), amount=2400, row_key=f"t:{ago}") for ago in (3, 10, 17, 24, 31, 38)])
    refresh_purchase_summaries(as_of=today, customer_ids=[customer.pk])
    return customer


def test_a_rep_looks_up_a_regular_caller_issues_the_coupon_and_prints_the_slip(rep_page, live_url, regular_customer):
    from pypdf import PdfReader

    page = rep_page
    page.goto(f"{live_url}/")
    lookup = page.locator("[data-testid=phone-lookup] input[name=phone]")  # the navbar's look-up
    lookup.fill("090 1234 5678")
    with page.expect_navigation():
        lookup.press("Enter")
    assert "山田 太郎" in page.locator("[data-testid=customer-header]").inner_text()

    proposal = page.locator("[data-testid=coupon-proposal]")
    assert "シーフードスペシャル" in proposal.locator("[data-testid=coupon-proposal-offer]").inner_text()
    with page.expect_navigation():
        proposal.locator("[data-testid=coupon-issue]").click()

    coupon = Coupon.objects.get(customer=regular_customer)
    assert page.locator("[data-testid=coupon-open-code]").inner_text() == coupon.display_code
    assert page.locator("[data-testid=coupon-proposal]").count() == 0

    href = page.locator("[data-testid=coupon-slip]").get_attribute("href")
    response = page.context.request.get(f"{live_url}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert coupon.display_code in text and "山田" in text
