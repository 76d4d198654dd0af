"""A rep looks up a caller by a full-width phone number in the navbar and records the call as a touchpoint."""
import pytest

from customers.models import Customer, Touchpoint

pytestmark = pytest.mark.browser


@pytest.fixture
def yamada(rep):
    return Customer.objects.create(code="C0001", name="株式会社山田建材", name_kana="ヤマダケンザイ",
                                   phone="03-1234-5678", lifecycle="customer", assigned_rep=rep)  # fmt: skip


def test_it_finds_a_customer_by_full_width_phone_and_adds_a_touchpoint(rep_page, live_url, yamada, rep):
    page = rep_page
    page.fill("[data-testid=phone-lookup] input[name=phone]", "０３－１２３４－５６７８")
    with page.expect_navigation():
        page.press("[data-testid=phone-lookup] input[name=phone]", "Enter")
    assert page.url == f"{live_url}/customers/{yamada.pk}/"
    assert "株式会社山田建材" in page.locator("[data-testid=customer-header]").inner_text()

    form = page.locator("[data-testid=touchpoint-form]")
    form.locator("select[name=department]").select_option("sales")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("textarea[name=summary]").fill("電話で来月の資材発注の相談あり")
    form.locator("button[type=submit]").click()
    # HTMX swaps the timeline in place: the new entry appears without a page load.
    page.locator("[data-testid=touchpoint-list]", has_text="来月の資材発注").wait_for()
    assert page.url == f"{live_url}/customers/{yamada.pk}/"
    touchpoint = Touchpoint.objects.get()
    assert (touchpoint.customer_id, touchpoint.author_id, touchpoint.channel) == (yamada.pk, rep.pk, "phone")


def test_it_offers_to_register_an_unknown_caller_on_a_phone(page, login, live_url, rep, yamada):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, rep)
    page.click("button.navbar-toggler")
    page.fill("[data-testid=phone-lookup] input[name=phone]", "０１１（２００）３０００")
    with page.expect_navigation():
        page.press("[data-testid=phone-lookup] input[name=phone]", "Enter")
    page.locator("[data-testid=register-prospect]").click()
    page.wait_for_url("**/customers/new/**")
    assert page.locator("[data-testid=customer-form] input[name=phone]").input_value() == "011-200-3000"
    page.fill("[data-testid=customer-form] input[name=name]", "北斗精機株式会社")
    with page.expect_navigation():
        page.locator("[data-testid=customer-form] button[type=submit]").click()
    created = Customer.objects.get(phone_key="0112003000")
    assert page.url == f"{live_url}/customers/{created.pk}/"
    assert (created.lifecycle, created.assigned_rep_id) == ("prospect", rep.pk)
