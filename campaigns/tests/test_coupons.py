"""Coupons: the code's format and check character, issuing for a step (idempotent), validity and redemption."""
import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import translation

from campaigns.coupons import codes
from campaigns.coupons.services import (
    CouponRefused,
    coupon_cancel,
    coupon_redeem,
    coupons_expire,
    coupons_issue_for_step,
)
from campaigns.models import Campaign, CampaignStep, Coupon, CouponOffer, DiscountKind
from crm.permissions import Refused
from customers.models import Product, Purchase

from .support import TODAY, customer

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- codes


def test_a_new_code_is_twelve_characters_of_the_unambiguous_alphabet_with_a_valid_check_character():
    for _ in range(200):
        code = codes.new_code()
        assert len(code) == 12
        assert not set(code) & set("0O1I")
        assert codes.is_well_formed(code)


def test_new_codes_do_not_repeat():
    assert len({codes.new_code() for _ in range(5000)}) == 5000


def test_a_batch_of_new_codes_is_well_formed_and_without_repeats():
    batch = codes.new_codes(5000)
    assert len(set(batch)) == 5000
    assert all(len(code) == 12 and codes.is_well_formed(code) for code in batch)
    assert codes.new_codes(0) == []


def test_every_single_typo_and_every_swap_of_neighbours_is_caught_by_the_check_character():
    code = codes.new_code()
    for position in range(len(code)):
        for char in codes.ALPHABET:
            if char != code[position]:
                assert not codes.is_well_formed(code[:position] + char + code[position + 1:])
    for position in range(len(code) - 1):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
        if swapped != code:
            assert not codes.is_well_formed(swapped)


def test_every_swap_of_two_different_characters_is_caught_at_every_position_including_the_check_character():
    for a, b in itertools.permutations(codes.ALPHABET, 2):
        body = "AB" + a + b + "CDEFGHJ"
        code = body + codes._check_char(body)
        assert not codes.is_well_formed("AB" + b + a + code[4:])  # two body characters
        ending = code[:-2] + a
        ending += codes._check_char(ending)  # ... and the last body character with the check character
        if ending[-1] != ending[-2]:
            assert not codes.is_well_formed(ending[:-2] + ending[-1] + ending[-2])


def test_a_typed_code_is_folded_from_full_width_lower_case_and_hyphens():
    code = codes.new_code()
    typed = "ー".join([code[:4].lower(), code[4:8], code[8:]]).translate(
        {ord(c): ord(c) + 0xFEE0 for c in "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"})
    assert codes.normalize_code(typed.replace("ー", "-")) == code
    assert codes.format_code(code) == f"{code[:4]}-{code[4:8]}-{code[8:]}"


# ---------------------------------------------------------------- builders


@pytest.fixture
def pizza(db):
    return Product.objects.create(code="P-SEA", name="シーフードスペシャル", category="ピザ", unit_price=2400)


@pytest.fixture
def drink(db):
    return Product.objects.create(code="D-COLA", name="コーラ", category="ドリンク", unit_price=300)


def campaign_step(manager, *, offer=None):
    campaign = Campaign.objects.create(name="冬の感謝", starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=60),
                                       channel=Campaign.Channel.DM, created_by=manager)
    step = CampaignStep.objects.create(campaign=campaign, position=1, channel=Campaign.Channel.DM)
    CouponOffer.objects.create(step=step, **(offer or {}))
    return step


def pizza_offer(pizza):
    return {"product": pizza, "min_quantity": 2, "discount_kind": DiscountKind.PERCENT, "discount_value": 10,
            "valid_days": 10}


def purchase(buyer, product, *, on=TODAY, quantity=2, code=""):
    return Purchase.objects.create(customer=buyer, product=product, purchased_on=on, quantity=Decimal(quantity),
                                   amount=4800, coupon_code=code, row_key=f"t:{Purchase.objects.count()}")


# ---------------------------------------------------------------- issuing


def test_issuing_for_a_step_gives_each_customer_one_coupon_with_the_offer_copied(manager, pizza):
    step = campaign_step(manager, offer=pizza_offer(pizza))
    buyers = [customer() for _ in range(3)]
    assert coupons_issue_for_step(step=step, customer_ids=[c.pk for c in buyers], today=TODAY) == 3
    coupons = Coupon.objects.filter(step=step)
    assert coupons.count() == 3
    coupon = coupons.first()
    assert (coupon.product_id, coupon.min_quantity, coupon.discount_value) == (pizza.pk, 2, 10)
    assert (coupon.valid_from, coupon.valid_until) == (TODAY, TODAY + datetime.timedelta(days=9))
    assert coupon.campaign_id == step.campaign_id and coupon.state == Coupon.State.ISSUED
    assert len({c.code for c in coupons}) == 3


def test_issuing_again_gives_nobody_a_second_coupon(manager, pizza):
    step = campaign_step(manager, offer=pizza_offer(pizza))
    first, second = customer(), customer()
    coupons_issue_for_step(step=step, customer_ids=[first.pk], today=TODAY)
    code = Coupon.objects.get(customer=first).code
    assert coupons_issue_for_step(step=step, customer_ids=[first.pk, second.pk], today=TODAY) == 1
    assert coupons_issue_for_step(step=step, customer_ids=[first.pk, second.pk], today=TODAY) == 0
    assert Coupon.objects.filter(step=step).count() == 2
    assert Coupon.objects.get(customer=first).code == code


def repeating_codes(monkeypatch, *, repeat):
    """Make codes.new_codes give `repeat(batch)`'s codes in place of the drawn ones; returns the batch sizes drawn."""
    drawn, real = [], codes.new_codes

    def fake(count):
        drawn.append(count)
        return repeat(real(count), len(drawn))

    monkeypatch.setattr(codes, "new_codes", fake)
    return drawn


def test_a_code_drawn_twice_in_a_batch_is_drawn_again_for_that_customer_only(manager, pizza, monkeypatch):
    step = campaign_step(manager, offer=pizza_offer(pizza))
    buyers = [customer() for _ in range(5)]
    drawn = repeating_codes(monkeypatch, repeat=lambda batch, n: [batch[0], batch[0], *batch[2:]] if n == 1 else batch)
    assert coupons_issue_for_step(step=step, customer_ids=[c.pk for c in buyers], today=TODAY) == 5
    assert drawn == [5, 1]
    issued = dict(Coupon.objects.filter(step=step).values_list("customer_id", "code"))
    assert sorted(issued) == sorted(c.pk for c in buyers)
    assert len(set(issued.values())) == 5


def test_a_code_another_coupon_already_has_is_drawn_again(manager, pizza, monkeypatch):
    step = campaign_step(manager, offer=pizza_offer(pizza))
    holder, first, second = customer(), customer(), customer()
    coupons_issue_for_step(step=step, customer_ids=[holder.pk], today=TODAY)
    taken = Coupon.objects.get(customer=holder).code
    drawn = repeating_codes(monkeypatch, repeat=lambda batch, n: [batch[0], taken, *batch[2:]] if n == 1 else batch)
    assert coupons_issue_for_step(step=step, customer_ids=[holder.pk, first.pk, second.pk], today=TODAY) == 2
    assert drawn == [3, 1]  # the holder skipped as issued; the first newcomer got the taken code, drawn again
    assert Coupon.objects.filter(step=step).count() == 3
    assert Coupon.objects.get(customer=holder).code == taken
    assert Coupon.objects.filter(step=step).values("code").distinct().count() == 3


def test_codes_that_keep_colliding_fail_the_issue_and_leave_no_coupon(manager, pizza, monkeypatch):
    step = campaign_step(manager, offer=pizza_offer(pizza))
    buyers = [customer() for _ in range(3)]
    repeating_codes(monkeypatch, repeat=lambda batch, n: ["ABCDEFGHJKLM"] * len(batch))
    with pytest.raises(IntegrityError):
        coupons_issue_for_step(step=step, customer_ids=[c.pk for c in buyers], today=TODAY)
    assert not Coupon.objects.filter(step=step).exists()  # the first customer's coupon went back too


def test_issuing_by_hand_needs_the_campaign_right(manager, rep, pizza):
    step = campaign_step(manager, offer=pizza_offer(pizza))
    with pytest.raises(Refused):
        coupons_issue_for_step(step=step, customer_ids=[customer().pk], by=rep)
    assert coupons_issue_for_step(step=step, customer_ids=[customer().pk], by=manager) == 1
    assert Coupon.objects.get(step=step).issued_by == manager


# ---------------------------------------------------------------- validity and redemption


@pytest.fixture
def issued(manager, pizza):
    """A customer and his coupon: two pizzas at once, 10 % off, valid TODAY .. TODAY+9."""
    step = campaign_step(manager, offer=pizza_offer(pizza))
    buyer = customer()
    coupons_issue_for_step(step=step, customer_ids=[buyer.pk], today=TODAY)
    return buyer, Coupon.objects.get(customer=buyer)


def refusal(code, line):
    with translation.override("en"), pytest.raises(CouponRefused) as caught:
        coupon_redeem(code=code, purchase=line)
    return caught.value.messages[0]


def test_a_matching_purchase_redeems_the_coupon_and_records_which_and_when(issued, pizza):
    buyer, coupon = issued
    line = purchase(buyer, pizza, on=TODAY + datetime.timedelta(days=3))
    coupon_redeem(code=coupon.display_code.lower(), purchase=line)
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.REDEEMED
    assert coupon.redeemed_purchase_id == line.pk
    assert coupon.redeemed_on == TODAY + datetime.timedelta(days=3)


def test_a_used_code_is_refused_saying_when_it_was_used(issued, pizza):
    buyer, coupon = issued
    coupon_redeem(code=coupon.code, purchase=purchase(buyer, pizza))
    assert refusal(coupon.code, purchase(buyer, pizza)) == (
        f"Coupon {coupon.display_code} was already used on {TODAY:%Y-%m-%d}.")


def test_an_expired_code_is_refused_saying_since_when(issued, pizza):
    buyer, coupon = issued
    late = purchase(buyer, pizza, on=TODAY + datetime.timedelta(days=10))
    assert refusal(coupon.code, late) == (
        f"Coupon {coupon.display_code} expired on {TODAY + datetime.timedelta(days=9):%Y-%m-%d}.")
    # The last valid day still counts.
    coupon_redeem(code=coupon.code, purchase=purchase(buyer, pizza, on=TODAY + datetime.timedelta(days=9)))


def test_the_nightly_expiry_marks_codes_past_their_last_day_and_they_stay_refused(issued, pizza):
    buyer, coupon = issued
    assert coupons_expire(today=TODAY + datetime.timedelta(days=9)) == 0
    assert coupons_expire(today=TODAY + datetime.timedelta(days=10)) == 1
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.EXPIRED
    assert "expired" in refusal(coupon.code, purchase(buyer, pizza))


def test_another_customers_code_is_refused(issued, pizza):
    _buyer, coupon = issued
    assert refusal(coupon.code, purchase(customer(), pizza)) == (
        f"Coupon {coupon.display_code} belongs to another customer.")


def test_a_purchase_that_does_not_meet_the_offer_is_refused_saying_what_is_missing(issued, pizza, drink):
    buyer, coupon = issued
    assert refusal(coupon.code, purchase(buyer, drink)) == f"Coupon {coupon.display_code} is only for シーフードスペシャル."
    assert refusal(coupon.code, purchase(buyer, pizza, quantity=1)) == (
        f"Coupon {coupon.display_code} needs at least 2 at once.")
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.ISSUED


def test_a_category_offer_takes_any_product_of_the_category(manager, pizza, drink):
    step = campaign_step(manager, offer={"category": "ドリンク", "min_quantity": 1, "discount_kind": DiscountKind.YEN,
                                         "discount_value": 100, "valid_days": 5})
    buyer = customer()
    coupons_issue_for_step(step=step, customer_ids=[buyer.pk], today=TODAY)
    coupon = Coupon.objects.get(customer=buyer)
    assert "category ドリンク" in refusal(coupon.code, purchase(buyer, pizza))
    coupon_redeem(code=coupon.code, purchase=purchase(buyer, drink, quantity=1))


def test_a_typo_is_refused_as_a_typo_and_an_unknown_code_as_unknown(issued, pizza):
    buyer, coupon = issued
    typo = coupon.code[:3] + ("A" if coupon.code[3] != "A" else "B") + coupon.code[4:]
    assert "typing mistake" in refusal(typo, purchase(buyer, pizza))
    assert refusal(codes.new_code(), purchase(buyer, pizza)).startswith("No coupon has the code")


def test_a_cancelled_code_is_refused(issued, pizza, manager):
    buyer, coupon = issued
    assert coupon_cancel(coupon=coupon, by=manager)
    assert refusal(coupon.code, purchase(buyer, pizza)) == f"Coupon {coupon.display_code} was cancelled."



# ---------------------------------------------------------------- merge fields for letters and e-mails


def test_merge_fields_give_each_recipient_his_code_expiry_and_offer_issuing_what_is_missing(manager, pizza):
    from campaigns.coupons.merge_fields import coupon_fields_for

    step = campaign_step(manager, offer=pizza_offer(pizza))
    holder, newcomer = customer(), customer()
    coupons_issue_for_step(step=step, customer_ids=[holder.pk])
    code = Coupon.objects.get(customer=holder).code
    with translation.override("en"):
        fields = coupon_fields_for(step, [holder.pk, newcomer.pk])
    assert set(fields) == {holder.pk, newcomer.pk}
    assert fields[holder.pk]["coupon_code"] == codes.format_code(code)  # the coupon he has, not a new one
    coupon = Coupon.objects.get(customer=newcomer)
    assert fields[newcomer.pk]["coupon_code"] == coupon.display_code
    assert fields[newcomer.pk]["coupon_expires_on"] == coupon.valid_until.isoformat()
    assert fields[newcomer.pk]["coupon_offer"] == "10 % off シーフードスペシャル, when buying 2 or more at once"
    assert coupon_fields_for(step, [holder.pk, newcomer.pk]).keys() == fields.keys()
    assert Coupon.objects.filter(step=step).count() == 2


def test_a_step_without_an_offer_has_no_coupon_fields(manager):
    from campaigns.coupons.merge_fields import coupon_fields_for

    campaign = Campaign.objects.create(name="挨拶", starts_on=TODAY, ends_on=TODAY, channel=Campaign.Channel.DM)
    step = CampaignStep.objects.create(campaign=campaign, position=1, channel=Campaign.Channel.DM)
    assert coupon_fields_for(step, [customer().pk]) == {}
    assert not Coupon.objects.exists()


def test_the_nightly_step_expires_lapsed_coupons(issued):
    from types import SimpleNamespace

    from campaigns.coupons.services import expire_coupons_step
    from crm.dormancy.pipeline import STEPS

    _buyer, coupon = issued
    ctx = SimpleNamespace(as_of=TODAY + datetime.timedelta(days=30), counts={})
    expire_coupons_step(ctx)
    assert ctx.counts["coupons_expired"] == 1
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.EXPIRED
    assert expire_coupons_step in STEPS
