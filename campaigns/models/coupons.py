"""Personal coupons: a campaign step's offer, and the codes issued to customers (campaigns.coupons works them).

A coupon is personal (one customer), tied to a campaign step (printed on its letter or e-mail) or issued at order
entry (the pizza-chain practice: a regular customer on the phone gets a coupon for a bigger basket, sooner). The
offer is copied onto each coupon when it is issued, so editing a step's offer later never changes a code that is
already in a customer's hands. State moves only by conditional UPDATE (issued → redeemed | expired | cancelled).
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Campaign
from .steps import CampaignStep


class DiscountKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    YEN = "yen", _("Yen off")


# Exactly one of product / category names what the coupon is for.
def _one_offer_target(name):
    return models.CheckConstraint(
        condition=(models.Q(product__isnull=False, category="") | models.Q(product__isnull=True) & ~models.Q(category="")),
        name=name)


class OfferMixin(models.Model):
    """The offer's fields, shared by a step's offer and each coupon (its copy at issue time)."""

    product = models.ForeignKey("customers.Product", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("product"))
    category = models.CharField(_("category"), max_length=100, blank=True)
    min_quantity = models.DecimalField(_("minimum quantity"), max_digits=8, decimal_places=2, default=1,
                                       validators=[MinValueValidator(1)])
    discount_kind = models.CharField(_("discount"), max_length=10, choices=DiscountKind.choices,
                                     default=DiscountKind.PERCENT)
    discount_value = models.PositiveIntegerField(_("discount (percent or yen)"), validators=[MinValueValidator(1)])

    class Meta:
        abstract = True

    def clean(self):
        if bool(self.product_id) == bool(self.category):
            raise ValidationError(_("Choose either a product or a category for the offer."))
        if self.discount_kind == DiscountKind.PERCENT and self.discount_value and self.discount_value > 100:
            raise ValidationError({"discount_value": _("A discount cannot be more than 100 %.")})

    @property
    def offer_text(self):
        from campaigns.coupons.offers import describe_offer

        return describe_offer(self)


class CouponOffer(OfferMixin):
    """What a campaign step's coupons give: kept with the step, copied onto each coupon issued for it."""

    step = models.OneToOneField(CampaignStep, on_delete=models.CASCADE, related_name="coupon_offer",
                                verbose_name=_("step"))
    # Valid for this many days from the day it is issued, or until a fixed date (whichever is given; both: the earlier).
    valid_days = models.PositiveSmallIntegerField(_("valid for (days)"), null=True, blank=True,
                                                  validators=[MinValueValidator(1), MaxValueValidator(366)])
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon offer")
        verbose_name_plural = _("coupon offers")
        constraints = [
            _one_offer_target("coupon_offer_one_target"),
            models.CheckConstraint(condition=models.Q(valid_days__isnull=False) | models.Q(valid_until__isnull=False),
                                   name="coupon_offer_has_validity"),
        ]

    def __str__(self):
        return f"{self.step}: {self.offer_text}"


class Coupon(OfferMixin):
    class State(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REDEEMED = "redeemed", _("Redeemed")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign")
        ORDER_ENTRY = "order_entry", _("Order entry")

    # Stored without separators, upper case; shown as XXXX-XXXX-XXXX (campaigns.coupons.codes).
    code = models.CharField(_("code"), max_length=16, unique=True)
    source = models.CharField(_("issued by"), max_length=12, choices=Source.choices, default=Source.CAMPAIGN)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="coupons",
                                 verbose_name=_("campaign"))
    step = models.ForeignKey(CampaignStep, on_delete=models.PROTECT, null=True, blank=True, related_name="coupons",
                             verbose_name=_("step"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="coupons",
                                 db_index=False, verbose_name=_("customer"))
    # A campaign coupon's round of the customer's enrolment (a playbook's second round issues a second coupon).
    round = models.PositiveSmallIntegerField(_("round"), default=1, db_default=1)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ISSUED)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    # Redemption: the purchase line that used it, and its day.
    redeemed_purchase = models.OneToOneField("customers.Purchase", on_delete=models.SET_NULL, null=True, blank=True,
                                             related_name="redeemed_coupon", verbose_name=_("purchase"))
    redeemed_on = models.DateField(_("redeemed on"), null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            _one_offer_target("coupon_one_target"),
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")),
                                   name="coupon_validity_ordered"),
            # Re-running a step's issue gives nobody a second coupon: one per (step, customer, round) ...
            models.UniqueConstraint(fields=["step", "customer", "round"], condition=models.Q(step__isnull=False),
                                    name="coupon_step_customer_uniq"),
            # ... and one per (campaign, customer, round) for a campaign's coupons not tied to a step.
            models.UniqueConstraint(fields=["campaign", "customer", "round"],
                                    condition=models.Q(step__isnull=True, campaign__isnull=False),
                                    name="coupon_campaign_customer_uniq"),
            # At order entry, at most one open coupon per customer: a double click issues nothing more.
            models.UniqueConstraint(fields=["customer"],
                                    condition=models.Q(source="order_entry", state="issued"),
                                    name="coupon_order_entry_open_uniq"),
        ]
        indexes = [
            models.Index(fields=["customer", "state"], name="coupon_customer_state_idx"),
            models.Index(fields=["state", "valid_until"], name="coupon_state_until_idx"),
        ]

    def __str__(self):
        from campaigns.coupons.codes import format_code

        return format_code(self.code)

    @property
    def display_code(self):
        from campaigns.coupons.codes import format_code

        return format_code(self.code)
