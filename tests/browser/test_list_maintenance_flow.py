"""The list maintainer takes a proposed duplicate from the review queue through the merge wizard, then undoes the
merge; and merges from a customer's card with "merge with…"."""
import datetime

import pytest

from customers.models import Contact, Customer, CustomerMerge, DuplicateCandidate, Purchase

pytestmark = pytest.mark.browser


@pytest.fixture
def hokuto():
    survivor = Customer.objects.create(code="C0001", name="北斗精機株式会社", name_kana="ホクトセイキ",
                                       lifecycle="customer", prefecture="東京都", address="千代田区1-1")
    duplicate = Customer.objects.create(code="C0002", name="北斗精器(株)", name_kana="ホクトセイキ",
                                        lifecycle="customer", phone="03-1234-5678", prefecture="東京都",
                                        address="千代田区1-1")
    Contact.objects.create(customer=duplicate, name="北斗 一郎")
    Purchase.objects.create(customer=duplicate, purchased_on=datetime.date(2026, 5, 1), amount=12000, row_key="b1")
    return survivor, duplicate


def test_from_the_duplicate_queue_through_a_merge_and_its_undo(maintainer_page, live_url, hokuto):
    page = maintainer_page
    survivor, duplicate = hokuto
    DuplicateCandidate.objects.create(customer_a=survivor, customer_b=duplicate, score=96,
                                      reasons=[["same address", {}]])
    page.goto(f"{live_url}/customers/duplicates/")
    pair = page.locator("[data-testid=duplicate-pair]", has_text="北斗精器")
    with page.expect_navigation():
        pair.locator("[data-testid=duplicate-accept]").click()
    assert "/customers/maintenance/merge/" in page.url

    # The survivor has no phone: the wizard proposes the duplicate's; the maintainer keeps the duplicate's name too.
    assert page.locator("[data-testid=choice-phone-duplicate]").is_checked()
    page.locator("[data-testid=choice-name-duplicate]").check()
    assert "1" in page.locator("[data-testid=merge-moves]").inner_text()
    with page.expect_navigation():
        page.locator("[data-testid=merge-submit]").click()
    assert page.locator("[data-testid=merge-state]").get_attribute("data-state") == "done"

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert (survivor.name, survivor.phone, duplicate.merged_into_id) == ("北斗精器(株)", "03-1234-5678", survivor.pk)
    assert Purchase.objects.get().customer_id == survivor.pk
    assert Contact.objects.get().customer_id == survivor.pk

    # The card shows the merge; the merge's page undoes it.
    page.goto(f"{live_url}/customers/{survivor.pk}/")
    with page.expect_navigation():
        page.locator("[data-testid=card-merges] a").first.click()
    with page.expect_navigation():
        page.locator("[data-testid=merge-undo]").click()
    assert page.locator("[data-testid=merge-state]").get_attribute("data-state") == "undone"
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert (survivor.name, survivor.phone, duplicate.merged_into_id) == ("北斗精機株式会社", "", None)
    assert Purchase.objects.get().customer_id == duplicate.pk
    assert Contact.objects.get().customer_id == duplicate.pk
    assert CustomerMerge.objects.get().state == "undone"


def test_from_the_card_merge_with(maintainer_page, live_url, hokuto):
    page = maintainer_page
    survivor, duplicate = hokuto
    page.goto(f"{live_url}/customers/{survivor.pk}/")
    with page.expect_navigation():
        page.locator("[data-testid=card-merge-with]").click()
    page.fill("[data-testid=merge-pick-form] input[name=q]", "北斗")
    with page.expect_navigation():
        page.press("[data-testid=merge-pick-form] input[name=q]", "Enter")
    with page.expect_navigation():
        page.locator(f"[data-testid=merge-candidate][data-code={duplicate.code}]").click()
    with page.expect_navigation():
        page.locator("[data-testid=merge-submit]").click()
    assert page.locator("[data-testid=merge-state]").get_attribute("data-state") == "done"
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
