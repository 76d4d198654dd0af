"""The landing page per role, in a real browser: a rep on a phone (390 px) types a caller's full-width number into the
page's first field and lands on the card; the manager's and the maintainer's pages on a desktop.

Each test saves a screenshot of the landing page to test-artifacts/home-<role>-<device>.png (also when it passes), for
a look at the Japanese layout; each checks that nothing is wider than the screen.
"""
import datetime

import pytest
from django.utils import timezone

from crm.dormancy.models import CustomerDormancy, ScanRun
from crm.dormancy.tests.dormancy_support import AS_OF
from customers.models import Customer, ImportBatch, Inquiry, Touchpoint

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"

# Long names on purpose: they must wrap on a phone, not push the page sideways.
TARGETS = [
    ("株式会社ヤマダ建材ホールディングス横浜北営業所", "dormant", "price", 92.0, True),
    ("有限会社鈴木工務店", "at_risk", "product", 81.5, False),
    ("グリーンフーズ合同会社", "dormant", "customer_side", 77.0, False),
    ("佐藤リフォーム株式会社", "at_risk", "unknown", 64.0, False),
]


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"home-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def reps_customers(rep):
    yamada = None
    for k, (name, status, reason, priority, key) in enumerate(TARGETS):
        customer = Customer.objects.create(
            code=f"C{k + 1:04d}", name=name, phone=f"03-1234-56{k + 78}", lifecycle="customer", assigned_rep=rep,
            is_key_account=key,
        )
        CustomerDormancy.objects.create(
            customer=customer, status=status, rule="inactivity", reason=reason, priority_score=priority,
            dormant_since=AS_OF - datetime.timedelta(days=40), days_since_last_purchase=180 + 20 * k, as_of=AS_OF,
        )
        Touchpoint.objects.create(customer=customer, author=rep, department="sales", channel="visit",
                                  summary=f"{name}を訪問。来月の資材発注について相談を受けた。見積書を送る約束。",
                                  occurred_at=timezone.now() - datetime.timedelta(days=k))  # fmt: skip
        yamada = yamada or customer
    return yamada


def test_a_rep_on_a_phone_types_a_full_width_number_into_the_first_field_and_lands_on_the_card(
    page, login, live_url, rep, reps_customers
):
    page.set_viewport_size(PHONE)
    login(page, rep)
    assert page.url == f"{live_url}/"
    assert page.evaluate("document.activeElement.id") == "home-phone"  # the first field, focused
    page.locator("[data-testid=home-dormancy-targets] [data-customer]").first.wait_for()
    assert page.locator("[data-testid=home-dormancy-targets] [data-customer]").count() == len(TARGETS)
    assert page.locator("[data-testid=home-touchpoints] [data-touchpoint]").count() == len(TARGETS)
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "rep-phone")

    page.keyboard.type("０３－１２３４－５６７８")  # where the focus is: the page's first field
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_url}/customers/{reps_customers.pk}/"
    assert "株式会社ヤマダ建材ホールディングス横浜北営業所" in page.locator("[data-testid=customer-header]").inner_text()


def test_the_managers_landing_page_on_a_desktop(page, login, live_url, manager):
    now = timezone.now()
    ScanRun.objects.create(
        as_of=AS_OF, started_at=now - datetime.timedelta(minutes=3), finished_at=now, outcome="succeeded",
        counts={"statuses": {"active": 1834, "at_risk": 212, "dormant": 486, "lost": 301, "prospect": 167},
                "customers": 3000, "changes": {"active→dormant": 14, "active→at_risk": 9, "dormant→active": 5}},
    )  # fmt: skip
    page.set_viewport_size(DESKTOP)
    login(page, manager)
    counts = page.locator("[data-testid=home-status-counts] a[data-status]")
    assert counts.count() == 5
    assert "486" in page.locator("[data-testid=home-status-counts] a[data-status=dormant]").inner_text()
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "manager-desktop")
    with page.expect_navigation():
        page.locator("[data-testid=home-status-counts] a[data-status=dormant]").click()
    assert "/dormant/?status=dormant" in page.url


def test_the_maintainers_landing_page_on_a_desktop(page, login, live_url, maintainer, rep):
    now = timezone.now()
    for k, (name, kind, state, errors) in enumerate([
        ("顧客マスタ_2026年11月.csv", "customers", "done", 0), ("売上明細_2026年10月.xlsx", "purchases", "failed", 12),
        ("展示会名刺.csv", "customers", "validated", 3),
    ]):  # fmt: skip
        ImportBatch.objects.create(kind=kind, state=state, original_name=name, file="x.csv", error_count=errors,
                                   created_count=120, updated_count=8, uploaded_by=maintainer,
                                   created_at=now - datetime.timedelta(hours=k))  # fmt: skip
    Customer.objects.create(code="Q1", name="電話なし商店", assigned_rep=rep)
    Customer.objects.create(code="Q2", name="担当なし建設", phone="03-5555-0000")
    Inquiry.objects.create(name="山本 太郎", email="taro@example.jp", message="見積希望", state="unverified")
    page.set_viewport_size(DESKTOP)
    login(page, maintainer)
    assert page.locator("[data-testid=home-imports] [data-batch]").count() == 3
    assert page.locator("[data-testid=home-unverified-inquiries] [data-count]").inner_text() == "1"
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "maintainer-desktop")
    with page.expect_navigation():
        page.locator("[data-missing=phone] a").click()
    assert page.url.endswith("/customers/?missing=phone")
    assert "電話なし商店" in page.content() and "担当なし建設" not in page.content()


def test_the_admins_landing_page_on_a_desktop(page, login, admin_user, manager, rep):
    page.set_viewport_size(DESKTOP)
    login(page, admin_user)
    page.locator("[data-testid=home-users-link]").wait_for()
    assert page.locator("[data-testid=home-dormancy-overview]").count() == 1
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "admin-desktop")
