"""Dormancy state per customer, written by the nightly scan (never by forms)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class DormancyStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class DormancyReason(models.TextChoices):
    PRODUCT = "product", _("Product dissatisfaction")
    PRICE = "price", _("Price")
    CUSTOMER_SIDE = "customer_side", _("Change on the customer's side")
    UNKNOWN = "unknown", _("Unknown")


class CustomerDormancy(models.Model):
    """The engine's current verdict on one customer, kept apart from the customer's own (audited) fields."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="dormancy"
    )
    status = models.CharField(_("status"), max_length=10, choices=DormancyStatus.choices, db_index=True)
    rule = models.CharField(_("rule"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=DormancyReason.choices, blank=True)
    dormant_since = models.DateField(_("dormant since"), null=True, blank=True)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    days_since_last_purchase = models.PositiveIntegerField(_("days since last purchase"), null=True)
    priority_score = models.FloatField(_("priority score"), null=True, db_index=True)
    is_excluded = models.BooleanField(_("excluded from targeting"), default=False)
    exclusion_reason = models.CharField(_("why excluded"), max_length=30, blank=True)
    p_alive = models.FloatField(_("probability still active"), null=True)
    expected_purchases_90d = models.FloatField(_("expected purchases in 90 days"), null=True)
    next_expected_purchase_on = models.DateField(_("next expected purchase"), null=True, blank=True)
    as_of = models.DateField(_("as of"))

    class Meta:
        verbose_name = _("dormancy status")
        verbose_name_plural = _("dormancy statuses")
        indexes = [models.Index(fields=["status", "-priority_score"], name="dormancy_status_priority_idx")]

    def __str__(self):
        return f"{self.customer_id}: {self.status}"
