"""Response figures on a hand-checked example."""
import codecs
import csv
import datetime
import io

import pytest
from django.utils import timezone

from campaigns import response, services
from campaigns.models import Campaign, CampaignStep, CampaignTarget, StepExecution
from customers.models import Purchase

from .support import customer

pytestmark = pytest.mark.django_db
D = datetime.date
CONTACT = timezone.make_aware(datetime.datetime(2025, 6, 1, 12, 0))
TODAY = D(2026, 7, 1)  # more than a year after the contact: the "after" year is complete


def buy(c, day, amount=1000):
    Purchase.objects.create(customer=c, purchased_on=day, amount=amount, row_key=f"r-{c.pk}-{day}-{amount}")


@pytest.fixture
def example(manager):
    """Contacted on 1 June 2025 (window 30 days: purchases 2 June … 1 July count), control due the same day.

    A (contacted): bought 2025-01-10, 2025-03-05 (before: 2 days); 2025-06-10 ¥10,000 (day 9: responded);
                   2025-09-01, 2026-02-01 (after: with 06-10, 3 days).
    B (contacted): bought 2025-05-01 (before: 1); 2025-07-01 ¥3,000 (day 30, the window's last day: responded);
                   2025-07-15 (day 44: after the window; after: 2 days).
    C (contacted): bought 2025-06-01 ¥999, the contact day itself: "before" (1 day), not a response.
    D (control):   bought 2024-12-01 (before: 1); 2025-06-20 ¥4,000 (day 19: responded; after: 1).
    E (control):   nothing.

    Contacted: 3, responded 2 (A, B) → rate 2/3 = 0.6667, revenue 10,000 + 3,000 = ¥13,000.
    Frequency: before (2 + 1 + 1) / 3 = 1.333 days a year, after (3 + 2 + 0) / 3 = 1.667 → change +0.33.
    Control: held back 2, responded 1 (D) → 0.5, revenue ¥4,000; before 1/2 = 0.5, after 1/2 = 0.5 → change 0.
    """
    a, b, c, d, e = (customer() for _ in range(5))
    for day in (D(2025, 1, 10), D(2025, 3, 5), D(2025, 9, 1), D(2026, 2, 1)):
        buy(a, day)
    buy(a, D(2025, 6, 10), 10_000)
    buy(b, D(2025, 5, 1))
    buy(b, D(2025, 7, 1), 3_000)
    buy(b, D(2025, 7, 15))
    buy(c, D(2025, 6, 1), 999)
    buy(d, D(2024, 12, 1))
    buy(d, D(2025, 6, 20), 4_000)
    campaign = services.campaign_create(by=manager, name="2025年 夏DM", starts_on=D(2025, 6, 1),
                                        ends_on=D(2025, 6, 30), channel=Campaign.Channel.DM,
                                        approach=Campaign.Approach.EVERYONE)
    campaign = services.campaign_launch(campaign=campaign, by=manager, now=CONTACT)
    CampaignTarget.objects.filter(customer__in=[d, e]).update(in_control_group=True, next_step_on=None)
    step = CampaignStep.objects.get(campaign=campaign)
    StepExecution.objects.create(step=step, campaign=campaign, target=CampaignTarget.objects.get(customer=e),
                                 customer=e, due_on=D(2025, 6, 1), state="skipped", skip_reason="no_consent")
    services.step_contacts_record(step=step, customer_ids=[a.pk, b.pk, c.pk], now=CONTACT)
    return campaign


def test_the_figures_of_the_hand_checked_example(example):
    rows = {r.key: r for r in response.campaign_response(example, today=TODAY)["rows"]}
    step, total, control = rows[f"step-{example.steps.get().pk}"], rows["total"], rows["control"]
    assert (step.contacted, step.responded, step.revenue, step.response_rate) == (3, 2, 13_000, 0.6667)
    assert step.skipped == {"no_consent": 1}
    assert step.frequency_before == pytest.approx(4 / 3) and step.frequency_after == pytest.approx(5 / 3)
    assert step.frequency_change == 0.33
    assert (total.targeted, total.contacted, total.responded, total.revenue) == (3, 3, 2, 13_000)
    assert (control.targeted, control.responded, control.revenue, control.response_rate) == (2, 1, 4_000, 0.5)
    assert (control.frequency_before, control.frequency_after, control.frequency_change) == (0.5, 0.5, 0.0)


def test_a_year_not_yet_over_is_scaled_to_a_year(example):
    """On 2025-08-30 (90 days after): A bought 06-10 → 1 day, B 07-01 and 07-15 → 2, C 0: 3 days in 3 × 90 days
    = 3 × 365 / 270 = 4.056 purchase days a year."""
    rows = {r.key: r for r in response.campaign_response(example, today=D(2025, 8, 30))["rows"]}
    assert rows["total"].frequency_after == pytest.approx(3 * 365 / 270)


def test_the_csv_is_utf8_with_bom_and_safe_from_formulas(example):
    example.steps.update()  # the label comes from the step; a name starting with = must not become a formula
    data = response.response_csv(example, today=TODAY)
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0][:3] == ["row", "targeted", "contacted"]
    total = next(r for r in rows if r[0] == "Campaign" or r[0] == "キャンペーン")
    assert total[6] == "2" and total[8] == "13000"


def test_the_csv_neutralises_formulas():
    from customers.tabular import neutralize_formula

    assert neutralize_formula("=HYPERLINK()") == "'=HYPERLINK()"
