"""Purchase history: who bought what, when, where and how many; with the products and market events behind it."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .customer import Customer


class Product(models.Model):
    code = models.CharField(_("product code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    unit_price = models.PositiveIntegerField(_("unit price (yen)"), null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class PriceChange(models.Model):
    """A recorded price change; a rise is one of the reasons customers go quiet."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_changes")
    changed_on = models.DateField(_("changed on"))
    old_price = models.PositiveIntegerField(_("old price (yen)"))
    new_price = models.PositiveIntegerField(_("new price (yen)"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["-changed_on"]
        indexes = [models.Index(fields=["changed_on"], name="pricechange_on_idx")]

    def __str__(self):
        return f"{self.product.code} {self.changed_on}: {self.old_price}→{self.new_price}"

    @property
    def is_rise(self):
        return self.new_price > self.old_price


class MarketEvent(models.Model):
    """Something outside the company that may explain why customers stopped (entered by the manager)."""

    class Kind(models.TextChoices):
        COMPETITOR_LAUNCH = "competitor_launch", _("Competitor launch")
        COMPETITOR_PRICE_CUT = "competitor_price_cut", _("Competitor price cut")
        OTHER = "other", _("Other")

    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300)
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("market event")
        verbose_name_plural = _("market events")
        ordering = ["-occurred_on"]

    def __str__(self):
        return f"{self.occurred_on} {self.get_kind_display()}: {self.description}"


class Purchase(models.Model):
    """One line of an order."""

    # Not indexed alone: the (customer, purchased_on) index serves look-ups by customer, and every index
    # on this 10⁷-row table costs time on each import.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases", db_index=False)
    purchased_on = models.DateField(_("purchased on"))
    purchased_at = models.DateTimeField(_("purchased at"), null=True, blank=True)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="purchases", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1)
    amount = models.BigIntegerField(_("amount (yen)"))
    store = models.CharField(_("store / department / channel"), max_length=100, blank=True)
    order_ref = models.CharField(_("order reference"), max_length=64, blank=True)
    coupon_code = models.CharField(_("coupon code"), max_length=64, blank=True)
    # Not indexed: batches are almost never deleted, and the index would slow every import.
    import_batch = models.ForeignKey(
        "customers.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases",
        db_index=False,
    )
    # Identity of the source row, so re-importing a file adds nothing: order_ref + line within the order,
    # or a digest of the row's content where the source has no order reference.
    # A UniqueConstraint rather than unique=True: same guarantee (and ON CONFLICT target) without the extra
    # varchar_pattern_ops index Django adds for unique CharFields on PostgreSQL.
    row_key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["row_key"], name="purchase_row_key_uniq")]
        indexes = [
            # amount rides along (INCLUDE, PostgreSQL only) so the summary refresh of an import's customers
            # reads this index alone instead of one random heap page per purchase line.
            models.Index(fields=["customer", "purchased_on"], include=["amount"], name="purchase_customer_on_amt_idx"),
            models.Index(fields=["purchased_on"], name="purchase_on_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.purchased_on} ¥{self.amount:,}"


class CustomerPurchaseSummary(models.Model):
    """Per-customer figures maintained whenever purchases change; the dormancy engine and lists read these."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="purchase_summary"
    )
    first_purchase_on = models.DateField(_("first purchase"), null=True)
    last_purchase_on = models.DateField(_("last purchase"), null=True, db_index=True)
    purchase_days = models.PositiveIntegerField(_("purchase days"), default=0)
    total_amount = models.BigIntegerField(_("total amount"), default=0)
    amount_last_12m = models.BigIntegerField(_("last 12 months"), default=0)
    amount_prev_12m = models.BigIntegerField(_("previous 12 months"), default=0)
    median_interval_days = models.FloatField(_("median interval (days)"), null=True)
    as_of = models.DateField(_("figures as of"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("purchase summary")
        verbose_name_plural = _("purchase summaries")

    def __str__(self):
        return f"summary of {self.customer_id} as of {self.as_of}"
