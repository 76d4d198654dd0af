"""End-to-end purchases import: upload the messy sample, see its four bad rows, import the valid ones,
and find them on a customer card. Time is frozen after the sample's last date (its 2026-12-23 row would
otherwise be a fifth, "future date", error)."""
import datetime as dt
from pathlib import Path

import pytest
import time_machine

from customers.models import Customer, Purchase
from customers.tests.purchase_fixtures import SAMPLE, make_sample_customers, make_sample_products

pytestmark = pytest.mark.browser


@pytest.fixture
def frozen_after_sample():
    # tick=True: the clock moves on from the frozen instant, so timeouts still work.
    with time_machine.travel(dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.UTC), tick=True):
        yield


def test_it_uploads_the_sample_sees_four_errors_imports_the_valid_rows_and_shows_them_on_the_card(
    frozen_after_sample, eager_tasks, page, login, live_url, maintainer, tmp_path
):
    make_sample_customers()
    make_sample_products()
    upload = tmp_path / "purchases_messy_cp932.csv"
    upload.write_bytes(Path(SAMPLE).read_bytes())
    login(page, maintainer)

    page.goto(f"{live_url}/customers/purchases/import/")
    page.set_input_files("input[name=file]", str(upload))
    with page.expect_navigation():
        page.click("[data-testid=purchase-upload]")

    errors = page.locator("[data-testid=import-error]")
    errors.first.wait_for()
    assert errors.count() == 4
    lines = [row.locator("td").first.inner_text() for row in errors.all()]
    assert lines == ["129", "130", "131", "132"]
    assert "C9999" in errors.nth(0).inner_text() and "2025-02-30" in errors.nth(1).inner_text()
    assert page.locator("[data-testid=count-valid]").inner_text() == "127"
    assert Purchase.objects.count() == 0

    with page.expect_navigation():
        page.click("[data-testid=import-valid-only]")
    page.locator("[data-testid=import-done]").wait_for()
    assert page.locator("[data-testid=count-created]").inner_text() == "127"
    assert page.locator("[data-testid=download-rejected]").count() == 1
    assert Purchase.objects.count() == 127

    customer = Customer.objects.get(code="C0003")
    page.goto(f"{live_url}/customers/{customer.pk}/")
    panel = page.locator("[data-testid=customer-purchases]")
    panel.wait_for()
    # C0003 bought on 2026-06-22 at 横浜支店 for ￥54,400 (sample line 18): within the last 12 months.
    recent = panel.locator("[data-testid=recent-purchase]")
    assert any("2026-06-22" in text and "￥54,400" in text for text in recent.all_inner_texts())
    assert panel.locator("[data-testid=amount-total]").inner_text() == f"￥{customer.purchase_summary.total_amount:,}"
    assert panel.locator("canvas").count() == 1
