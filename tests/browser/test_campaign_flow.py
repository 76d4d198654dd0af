"""A manager plans a campaign in the year view, previews who its segment reaches and launches it."""
import pytest

from campaigns.models import Campaign, CampaignTarget, Segment
from crm.dormancy.models import CustomerDormancy
from customers.models import Customer

pytestmark = pytest.mark.browser


@pytest.fixture
def dormant_segment(manager):
    for i, (status, consent) in enumerate([("dormant", True), ("dormant", True), ("dormant", False), ("active", True)]):
        customer = Customer.objects.create(code=f"C{i:04d}", name=f"株式会社休眠{i}", lifecycle="customer",
                                           address="東京都千代田区1-1", has_dm_consent=consent)
        CustomerDormancy.objects.create(customer=customer, status=status, priority_score=50 + i, as_of="2026-05-01")
    return Segment.objects.create(name="休眠顧客", filters={"statuses": ["dormant"]}, owner=manager)


def test_a_manager_plans_previews_and_launches_a_campaign(manager_page, live_url, manager, dormant_segment):
    page = manager_page
    page.goto(f"{live_url}/campaigns/year/2026/")
    assert "2026" in page.locator("[data-testid=calendar-year]").inner_text()
    with page.expect_navigation():
        page.click("[data-testid=new-campaign]")

    form = page.locator("[data-testid=campaign-form]")
    form.locator("input[name=name]").fill("2026年 秋の掘り起こしDM")
    form.locator("input[name=starts_on]").fill("2026-10-01")
    form.locator("input[name=ends_on]").fill("2026-10-31")
    form.locator("select[name=approach]").select_option("segment")
    form.locator("select[name=channel]").select_option("dm")
    form.locator("select[name=segment]").select_option(str(dormant_segment.pk))
    with page.expect_navigation():
        form.locator("[data-testid=save]").click()

    # The preview: two dormant customers reached, the one without DM consent excluded and said why.
    preview = page.locator("[data-testid=segment-preview]")
    assert "2" in preview.locator("[data-testid=preview-count]").inner_text()
    assert preview.locator("[data-testid=preview-excluded] [data-reason=no_consent]").inner_text().endswith("1")
    assert preview.locator("[data-testid=preview-sample] tbody tr").count() == 2

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=launch]")
    assert page.locator("[data-testid=launch-counts]").is_visible()
    assert page.locator("[data-testid=launch]").count() == 0
    campaign = Campaign.objects.get()
    assert (campaign.state, campaign.launched_by_id) == ("launched", manager.pk)
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 2

    page.goto(f"{live_url}/campaigns/year/2026/")
    row = page.locator(f"[data-testid=campaign-row][data-campaign='{campaign.pk}']")
    assert row.locator("td[data-month='10']").inner_text() == "2"
