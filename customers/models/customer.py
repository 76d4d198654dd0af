"""The one shared customer list: companies and people, prospects included, and what staff learn about them."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers import normalize


class Tag(models.Model):
    """A segment label (業種, 会員区分 …) used by filters, dormancy-rule overrides and later campaign segments."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class Customer(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Person")

    class Lifecycle(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        CUSTOMER = "customer", _("Customer")
        RETIRED = "retired", _("Retired")

    class Source(models.TextChoices):
        EXHIBITION = "exhibition", _("Exhibition")
        SEMINAR = "seminar", _("Seminar")
        WEB_INQUIRY = "web_inquiry", _("Web inquiry")
        BUSINESS_CARD = "business_card", _("Business card")
        REFERRAL = "referral", _("Referral")
        MEMBER_CARD = "member_card", _("Member card")
        EXISTING = "existing", _("Existing account")
        OTHER = "other", _("Other")

    code = models.CharField(_("customer code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    lifecycle = models.CharField(
        _("lifecycle"), max_length=10, choices=Lifecycle.choices, default=Lifecycle.PROSPECT, db_index=True
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    is_key_account = models.BooleanField(_("key account"), default=False, db_index=True)
    assigned_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_customers",
        verbose_name=_("assigned rep"),
    )
    fiscal_year_end_month = models.PositiveSmallIntegerField(
        _("fiscal year-end month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        db_index=True,
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True, db_index=True)

    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=30, blank=True)
    fax = models.CharField(_("fax"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)

    # Consent per channel: the flag, when it last changed and how (the history keeps every change).
    has_email_consent = models.BooleanField(_("e-mail consent"), default=False)
    email_consent_changed_at = models.DateTimeField(_("e-mail consent changed at"), null=True, blank=True)
    email_consent_method = models.CharField(_("e-mail consent obtained/withdrawn how"), max_length=100, blank=True)
    has_dm_consent = models.BooleanField(_("DM consent"), default=False)
    dm_consent_changed_at = models.DateTimeField(_("DM consent changed at"), null=True, blank=True)
    dm_consent_method = models.CharField(_("DM consent obtained/withdrawn how"), max_length=100, blank=True)
    has_phone_consent = models.BooleanField(_("phone consent"), default=False)
    phone_consent_changed_at = models.DateTimeField(_("phone consent changed at"), null=True, blank=True)
    phone_consent_method = models.CharField(_("phone consent obtained/withdrawn how"), max_length=100, blank=True)

    # What the sales conversation taught us about a prospect.
    company_overview = models.TextField(_("company overview"), blank=True)
    decision_maker = models.CharField(_("decision maker"), max_length=200, blank=True)
    budget = models.CharField(_("budget"), max_length=200, blank=True)
    competitors = models.CharField(_("competitors"), max_length=300, blank=True)
    timing = models.CharField(_("timing / schedule"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # Normalized search keys, refreshed on every save (see customers.normalize).
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    kana_key = models.CharField(max_length=200, blank=True, editable=False)
    phone_key = models.CharField(max_length=20, blank=True, editable=False)
    mobile_key = models.CharField(max_length=20, blank=True, editable=False)
    fax_key = models.CharField(max_length=20, blank=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    postal_key = models.CharField(max_length=7, blank=True, editable=False)

    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["name_key"], name="customer_name_key_idx"),
            models.Index(fields=["kana_key"], name="customer_kana_key_idx"),
            models.Index(fields=["phone_key"], name="customer_phone_key_idx"),
            models.Index(fields=["mobile_key"], name="customer_mobile_key_idx"),
            models.Index(fields=["fax_key"], name="customer_fax_key_idx"),
            models.Index(fields=["email_key"], name="customer_email_key_idx"),
            models.Index(fields=["postal_key"], name="customer_postal_key_idx"),
            models.Index(fields=["assigned_rep", "lifecycle"], name="customer_rep_lifecycle_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        # Keys are derived data: recomputing them here keeps every save path (forms, admin, services) right.
        self.refresh_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | SEARCH_KEY_FIELDS
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("customers:detail", args=[self.pk])

    def refresh_search_keys(self):
        self.name_key = normalize.name_key(self.name)
        self.kana_key = normalize.kana_key(self.name_kana)
        self.phone_key = normalize.phone_key(self.phone)
        self.mobile_key = normalize.phone_key(self.mobile)
        self.fax_key = normalize.phone_key(self.fax)
        self.email_key = normalize.email_key(self.email)
        self.postal_key = normalize.postal_key(self.postal_code)

    @property
    def is_company(self):
        return self.kind == self.Kind.COMPANY


SEARCH_KEY_FIELDS = {"name_key", "kana_key", "phone_key", "mobile_key", "fax_key", "email_key", "postal_key"}


class Contact(models.Model):
    """A person at a company customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Clear when the person has left."))
    notes = models.TextField(_("notes"), blank=True)
    phone_key = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    mobile_key = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    email_key = models.CharField(max_length=254, blank=True, editable=False, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_active", "-is_decision_maker", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.phone_key = normalize.phone_key(self.phone)
        self.mobile_key = normalize.phone_key(self.mobile)
        self.email_key = normalize.email_key(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"phone_key", "mobile_key", "email_key"}
        super().save(*args, **kwargs)


class Touchpoint(models.Model):
    """Anything a colleague learned at a contact with the customer: the shared memory of the company."""

    class Department(models.TextChoices):
        SALES = "sales", _("Sales")
        MAINTENANCE = "maintenance", _("Maintenance")
        DELIVERY = "delivery", _("Delivery")
        SUPPORT = "support", _("Support")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")
        COUNTER = "counter", _("Counter")
        WEB = "web", _("Web form")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="touchpoints")
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="touchpoints",
        verbose_name=_("who"),
    )
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    summary = models.TextField(_("summary"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="touchpoint_customer_time_idx"),
            # The campaigns' frequency cap counts a channel's contacts per customer: read from this index alone,
            # in customer order (campaigns.segments.frequency_capped_q, bench/bench_segments.py).
            models.Index(fields=["channel", "customer", "occurred_at"], name="touchpoint_channel_cust_idx"),
            # The contacts entered since the cap was last counted (campaigns.caps), checked one customer at a time.
            models.Index(fields=["channel", "created_at"], name="touchpoint_channel_created_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.occurred_at:%Y-%m-%d} {self.get_channel_display()}"
