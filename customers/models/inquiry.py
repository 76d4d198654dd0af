"""A message sent through the public inquiry form, kept as typed.

Anyone can fill in the form with anyone's e-mail address or phone number, so an inquiry proves nothing about who
sent it. It therefore never changes an existing customer: when it matches one, it waits as an *unverified* inquiry
until the list maintainer accepts it (then it becomes a touchpoint written by the reviewer) or rejects it. Only an
inquiry that created a new prospect may, after the address's owner confirms by e-mail (double opt-in), record
e-mail consent on that prospect.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Inquiry(models.Model):
    class State(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified (awaiting review)")
        NEW_PROSPECT = "new_prospect", _("Created a new prospect")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    class MatchedBy(models.TextChoices):
        NONE = "", _("No match")
        EMAIL = "email", _("Customer's e-mail address")
        CONTACT_EMAIL = "contact_email", _("A contact's e-mail address")
        PHONE = "phone", _("Customer's phone number")
        CONTACT_PHONE = "contact_phone", _("A contact's phone number")

    class RejectionReason(models.TextChoices):
        NONE = "", "-"
        SPAM = "spam", _("Spam")
        NOT_THIS_CUSTOMER = "not_this_customer", _("Not from this customer")

    # What the sender typed, unchanged (the customer record is never filled in from an unverified inquiry).
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    message = models.TextField(_("message"))
    asked_for_email_consent = models.BooleanField(_("asked to receive e-mail"), default=False)
    submitted_from_ip = models.GenericIPAddressField(_("sent from IP address"), null=True, blank=True)

    # The customer the inquiry matched (state unverified/accepted/rejected) or the prospect it created (new_prospect).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("customer"),
    )
    matched_by = models.CharField(_("matched by"), max_length=20, choices=MatchedBy.choices, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, db_index=True)

    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    # The touchpoint the reviewer recorded when accepting (or the one the new prospect was created with).
    touchpoint = models.OneToOneField(
        "customers.Touchpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="inquiry"
    )
    # Double opt-in: when the address's owner followed the confirmation link (new prospects only).
    consent_confirmed_at = models.DateTimeField(_("consent confirmed at"), null=True, blank=True)

    created_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("web inquiry")
        verbose_name_plural = _("web inquiries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "state"], name="inquiry_customer_state_idx"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}> {self.created_at:%Y-%m-%d %H:%M} ({self.get_state_display()})"
