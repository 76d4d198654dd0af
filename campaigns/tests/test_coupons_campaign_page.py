"""A campaign's coupons: a manager gives a step its offer, issues the coupons to the targets, sees them counted."""
import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignStep, CampaignTarget, Coupon, CouponOffer

from .support import TODAY, customer
from .test_coupons import pizza  # noqa: F401 -- fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched(manager):
    campaign = Campaign.objects.create(name="冬の感謝DM", starts_on=TODAY, ends_on=TODAY, channel=Campaign.Channel.DM,
                                       state=Campaign.State.LAUNCHED, created_by=manager)
    step = CampaignStep.objects.create(campaign=campaign, position=1, channel=Campaign.Channel.DM)
    for i in range(3):
        CampaignTarget.objects.create(campaign=campaign, customer=customer(), due_on=TODAY, in_control_group=i == 2)
    return step


def offer_data(product):
    return {"product": product.pk, "category": "", "min_quantity": "2", "discount_kind": "percent",
            "discount_value": "10", "valid_days": "14", "valid_until": ""}


def test_a_manager_gives_a_step_its_offer_and_issues_it_to_the_targets_outside_the_control_group(
        client_for, manager, launched, pizza):  # noqa: F811
    client = client_for(manager)
    response = client.post(reverse("campaigns:coupon_offer_edit", args=[launched.pk]), offer_data(pizza))
    assert response.status_code == 302
    assert CouponOffer.objects.get(step=launched).discount_value == 10
    client.post(reverse("campaigns:coupon_step_issue", args=[launched.pk]))
    client.post(reverse("campaigns:coupon_step_issue", args=[launched.pk]))  # a second click issues nothing more
    assert Coupon.objects.filter(step=launched).count() == 2
    page = client.get(reverse("campaigns:campaign_coupons", args=[launched.campaign_id])).content.decode()
    assert "シーフードスペシャル" in page and 'data-testid="step-issue"' in page


def test_an_offer_needs_a_product_or_a_category_not_both(client_for, manager, launched, pizza):  # noqa: F811
    response = client_for(manager).post(reverse("campaigns:coupon_offer_edit", args=[launched.pk]),
                                        {**offer_data(pizza), "category": "ピザ"})
    assert response.status_code == 200
    assert not CouponOffer.objects.exists()


def test_a_rep_sees_the_coupons_but_may_not_change_the_offer_nor_issue(client_for, rep, launched, pizza):  # noqa: F811
    client = client_for(rep)
    page = client.get(reverse("campaigns:campaign_coupons", args=[launched.campaign_id]))
    assert page.status_code == 200 and 'data-testid="offer-edit"' not in page.content.decode()
    assert client.post(reverse("campaigns:coupon_offer_edit", args=[launched.pk]), offer_data(pizza)).status_code == 403
    assert client.post(reverse("campaigns:coupon_step_issue", args=[launched.pk])).status_code == 403
    assert not Coupon.objects.exists()


def test_the_page_counts_coupons_by_state_in_few_queries(client_for, manager, launched, pizza,  # noqa: F811
                                                         django_assert_max_num_queries):
    CouponOffer.objects.create(step=launched, product=pizza, min_quantity=2, discount_value=10, valid_days=14)
    client = client_for(manager)
    client.post(reverse("campaigns:coupon_step_issue", args=[launched.pk]))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("campaigns:campaign_coupons", args=[launched.campaign_id])).content.decode()
    assert '<td class="text-end">2</td>' in page
