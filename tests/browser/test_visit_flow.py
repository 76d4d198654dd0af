"""Field sales in a real browser: a rep on a phone (390 px) goes through today's tasks, logs a visit with an outcome
and a next action, and submits his daily report; the manager reads it on a desktop, comments and marks it read.

Screenshots go to test-artifacts/visits-*.png (also when the test passes), for a look at the Japanese layout.
"""
import datetime

import pytest
from django.utils import timezone

from crm.dormancy.models import CustomerDormancy
from customers.models import Contact, Customer, Touchpoint
from visits.models import DailyReport, VisitLog, VisitTask

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"visits-{name}.png"), full_page=True)


@pytest.fixture
def todays_tasks(rep):
    today = timezone.localdate()
    rows = []
    for k, (name, priority, key) in enumerate([("株式会社ヤマダ建材ホールディングス横浜北営業所", 92.0, True),
                                               ("有限会社鈴木工務店", 75.0, False)]):
        customer = Customer.objects.create(
            code=f"B{k + 1:04d}", name=name, phone=f"03-1234-56{k + 78}", prefecture="神奈川県",
            address="横浜市港北区新横浜2-3-4", lifecycle="customer", assigned_rep=rep, is_key_account=key)
        CustomerDormancy.objects.create(customer=customer, status="dormant", rule="inactivity", reason="price",
                                        priority_score=priority, dormant_since=today - datetime.timedelta(days=20),
                                        days_since_last_purchase=200, as_of=today)
        Contact.objects.create(customer=customer, name="山田 太郎", title="購買課長")
        rows.append(VisitTask.objects.create(customer=customer, assigned_to=rep, kind="visit", due_on=today,
                                             priority=priority, reason="price", source="nightly"))
    return rows


def test_a_rep_on_a_phone_logs_a_visit_and_submits_his_daily_report(page, login, live_url, rep, todays_tasks):
    page.set_viewport_size(PHONE)
    login(page, rep)
    with page.expect_navigation():
        page.locator("[data-testid=home-today-link]").click()
    cards = page.locator("[data-testid=today-task]")
    assert cards.count() == 2
    first = cards.first
    assert "ヤマダ建材" in first.inner_text()  # highest priority first
    assert first.locator("[data-testid=task-call]").get_attribute("href") == "tel:0312345678"
    assert "maps.google.com" in first.locator("[data-testid=task-map]").get_attribute("href")
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "today-phone")

    with page.expect_navigation():
        first.locator("[data-testid=task-log]").click()
    page.select_option("select[name=contact]", label="山田 太郎")
    page.select_option("select[name=outcome]", "quote_requested")
    page.select_option("select[name=confirmed_reason]", "price")
    page.fill("textarea[name=notes]", "石膏ボードの値上げで他社に切り替えたが、断熱材の見積を依頼された。")
    page.fill("input[name=next_action]", "断熱材の見積書を持参")
    next_on = timezone.localdate() + datetime.timedelta(days=3)
    page.fill("input[name=next_action_on]", next_on.isoformat())
    page.fill("input[name=new_phone]", "045-000-1111")
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "log-phone")
    with page.expect_navigation():
        page.locator("[data-testid=visit-log-save]").click()

    assert page.url == f"{live_url}/visits/today/"
    # The logged task left today's list; its next action is a new task three days on.
    assert page.locator("[data-testid=today-task]").count() == 2
    log = VisitLog.objects.get()
    assert (log.outcome, log.contact.name, log.next_task.due_on, log.next_task.note) == (
        "quote_requested", "山田 太郎", next_on, "断熱材の見積書を持参")
    assert Touchpoint.objects.filter(customer=todays_tasks[0].customer, channel="visit").count() == 1
    assert VisitTask.objects.get(pk=todays_tasks[0].pk).state == "done"

    with page.expect_navigation():
        page.locator("[data-testid=today-report]").click()
    assert "ヤマダ建材" in page.locator("[data-testid=activity-list]").inner_text()
    assert page.locator("[data-testid=activity-outcome]").first.get_attribute("data-outcome") == "quote_requested"
    page.fill("textarea[name=what_happened]", "ヤマダ建材を訪問。断熱材の見積依頼あり。")
    page.fill("textarea[name=issues]", "石膏ボードの値上げへの不満が大きい。")
    page.fill("textarea[name=tomorrow_plan]", "見積書作成、鈴木工務店に電話。")
    with page.expect_navigation():
        page.locator("[data-testid=report-submit]").click()
    assert page.locator("[data-testid=report-state]").get_attribute("data-state") == "submitted"
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "report-phone")
    report = DailyReport.objects.get(rep=rep)
    assert (report.state, report.tomorrow_plan) == ("submitted", "見積書作成、鈴木工務店に電話。")


def test_the_manager_reads_the_report_and_marks_it_read(page, login, live_url, rep, manager, todays_tasks):
    today = timezone.localdate()
    DailyReport.objects.create(rep=rep, day=today, what_happened="ヤマダ建材を訪問。断熱材の見積依頼あり。",
                               issues="値上げへの不満", tomorrow_plan="見積書作成", state="submitted",
                               submitted_at=timezone.now())
    page.set_viewport_size(DESKTOP)
    login(page, manager)
    page.goto(f"{live_url}/visits/reports/")
    row = page.locator("[data-testid=report-row][data-state=submitted]")
    assert row.count() == 1 and "佐藤 営業" in row.inner_text()
    with page.expect_navigation():
        row.locator("[data-testid=report-open]").click()
    assert "断熱材の見積依頼" in page.locator("[data-testid=report-text]").inner_text()
    page.fill("textarea[name=comment]", "見積は明日中に。値上げの件は部長から連絡します。")
    screenshot(page, "manager-report")
    with page.expect_navigation():
        page.locator("[data-testid=review-submit]").click()
    assert page.url == f"{live_url}/visits/reports/"
    report = DailyReport.objects.get()
    assert (report.state, report.read_by, report.manager_comment) == (
        "read", manager, "見積は明日中に。値上げの件は部長から連絡します。")
    assert page.locator("[data-testid=report-row][data-state=read]").count() == 1
