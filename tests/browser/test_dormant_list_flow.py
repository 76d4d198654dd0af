"""The dormant list and the customer card in a real browser, as a manager on a desktop and a rep on a 390 px phone
(issue 12): the rule next to each status, sorting, a rep's own customers, the lost tab, the card's dormancy panel
first with a tap-to-call link, folded tables, dates that never break. Each test saves a screenshot to
test-artifacts/ (dormant_list_desktop.png, dormant_list_phone.png, customer_card_phone.png).

The data is the demo company (crm.demo, 300 customers, seed 42) as of today: realistic names, every rule.
Assertions read data attributes and numbers, not the text of the catalogue.
"""
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from crm.demo import DEMO_PASSWORD
from crm.dormancy.models import CustomerDormancy

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
PHONE = {"width": 390, "height": 844}

# Every yyyy-mm-dd on the page that is rendered (folded sections are skipped) and spans more than one line.
BROKEN_DATES_JS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement || node.parentElement.closest("script, style")) continue;
    for (const match of node.data.matchAll(/\\d{4}-\\d{2}-\\d{2}/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
      if (new Set(rects.map((r) => Math.round(r.top))).size > 1) {
        broken.push(match[0] + " in " + node.parentElement.outerHTML.slice(0, 160));
      }
    }
  }
  return broken;
}"""


@pytest.fixture
def demo(django_user_model):
    """The demo company, scanned as of today; its users (rep1 … manager) sign in with the demo password."""
    call_command("seed_demo", seed=42, customers=300, stdout=io.StringIO())
    return {name: django_user_model.objects.get(username=name) for name in ("rep1", "rep2", "manager")}


def sign_in(page, live_url, user):
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form[action$='/accounts/login/'] button[type=submit]")


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def row_codes(page):
    return page.locator("[data-testid=dormant-table] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.customer)"
    )


def has_no_horizontal_overflow(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_manager_reads_and_sorts_the_dormant_list_on_a_desktop(page, live_url, demo):
    sign_in(page, live_url, demo["manager"])
    page.goto(f"{live_url}/dormant/")
    table = page.locator("[data-testid=dormant-table]")
    table.wait_for()
    assert page.locator("html").get_attribute("lang") == "ja"

    # Every status shows the rule that set it; a halved customer is there with his 12 months against the year before.
    halved = page.locator("tr[data-rule=halved]").first
    assert halved.locator("[data-testid=rule-label]").inner_text() == "売上半減"
    assert re.search(r"￥[\d,]+", halved.locator("[data-testid=amount-12m]").inner_text())
    assert halved.locator("time").count() == 1
    # The tabs' counts are the scan's, exact.
    targets = CustomerDormancy.objects.filter(status__in=["dormant", "at_risk"], is_excluded=False).count()
    assert page.locator("[data-status=targets]").get_attribute("data-count") == str(targets)

    # Last purchase, most recent first; a second click, oldest first.
    page.click("a[data-sort=last_purchase]")
    page.wait_for_url("**sort=last_purchase**")
    dates = table.locator("td.cell-last time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert dates == sorted(dates, reverse=True) and len(dates) == 50
    page.click("a[data-sort=last_purchase]")
    page.wait_for_url("**sort=-last_purchase**")
    dates = table.locator("td.cell-last time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert dates == sorted(dates)
    assert page.locator("th:has(a[data-sort=last_purchase])").get_attribute("aria-sort") == "ascending"

    page.goto(f"{live_url}/dormant/")
    page.locator("[data-testid=legend] summary").click()
    assert page.locator("[data-testid=legend] dl").is_visible()
    assert has_no_horizontal_overflow(page)
    assert page.evaluate(BROKEN_DATES_JS) == []
    screenshot(page, "dormant_list_desktop.png")


def test_a_rep_works_his_own_list_on_a_phone(page, live_url, demo):
    page.set_viewport_size(PHONE)
    rep = demo["rep1"]
    sign_in(page, live_url, rep)
    page.goto(f"{live_url}/dormant/")
    page.locator("[data-testid=dormant-table]").wait_for()

    # His own customers by default.
    mine = row_codes(page)
    assert mine and set(mine) <= set(
        CustomerDormancy.objects.filter(customer__assigned_rep=rep).values_list("customer__code", flat=True)
    )
    # A card per customer under 576 px: no header row, each row a box, nothing wider than the screen.
    assert not page.locator("[data-testid=dormant-table] thead").is_visible()
    assert page.locator("[data-testid=dormant-table] tbody tr").first.evaluate("r => getComputedStyle(r).display") == "flex"
    assert has_no_horizontal_overflow(page)
    assert page.evaluate(BROKEN_DATES_JS) == []
    screenshot(page, "dormant_list_phone.png")

    # Sorting from the menu (the column headers are hidden): past spend, largest first.
    page.select_option("[data-testid=sort-select]", "spend")
    page.wait_for_url("**sort=spend**")
    spend = page.locator("td.cell-spend").evaluate_all("cells => cells.map(c => Number(c.innerText.replace(/[^0-9]/g, '')))")
    assert spend == sorted(spend, reverse=True)

    # Every rep's customers one tap away.
    page.click("[data-testid=all-reps]")
    page.wait_for_url("**rep=**")
    everyone = set(row_codes(page))
    assert CustomerDormancy.objects.filter(customer__code__in=everyone).exclude(customer__assigned_rep=rep).exists()

    # The lost tab lists the lost customers, each with why he is not targeted.
    page.click("[data-status=lost]")
    page.wait_for_url("**status=lost**")
    lost_rows = page.locator("[data-testid=dormant-table] tbody tr")
    assert lost_rows.count() > 0
    assert lost_rows.first.get_attribute("data-status") == "lost"
    assert lost_rows.first.locator("[data-testid=excluded]").is_visible()


def test_a_rep_opens_a_dormant_customer_s_card_on_a_phone(page, live_url, demo):
    page.set_viewport_size(PHONE)
    rep = demo["rep1"]
    dormancy = (
        CustomerDormancy.objects.filter(status="dormant", rule="halved", customer__assigned_rep=rep)
        .exclude(customer__phone="")
        .select_related("customer")
        .order_by("-priority_score")
        .first()
    )
    customer = dormancy.customer
    sign_in(page, live_url, rep)
    page.goto(f"{live_url}/customers/{customer.pk}/")
    panel = page.locator("[data-testid=dormancy-panel]")
    panel.wait_for()

    # The panel comes first: status with its rule, why, what to say, the number to call.
    def top(selector):
        return page.locator(selector).first.bounding_box()["y"]

    assert top("[data-testid=dormancy-panel]") < top("[data-testid=touchpoint-form]") < top("[data-testid=purchases-panel]")
    assert panel.locator(".badge[data-status=dormant]").is_visible()
    assert panel.locator("[data-testid=rule-label]").inner_text() == "売上半減"
    assert panel.locator("[data-testid=dormancy-reason]").is_visible()
    assert panel.locator("[data-testid=dormancy-approach]").is_visible()
    call = panel.locator(f"a[href='tel:{customer.phone_key}']")
    assert call.is_visible() and top("[data-testid=dormancy-call]") < 844  # on the first screen
    # The long tables are folded on a phone; dates never break; nothing wider than the screen.
    folds = page.locator("details[data-fold]")
    assert folds.count() >= 4
    assert folds.evaluate_all("ds => ds.every(d => !d.open)")
    assert page.evaluate(BROKEN_DATES_JS) == []
    assert has_no_horizontal_overflow(page)
    screenshot(page, "customer_card_phone.png")

    # On a desktop the same sections start open.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert page.locator("details[data-fold]").evaluate_all("ds => ds.every(d => d.open)")
