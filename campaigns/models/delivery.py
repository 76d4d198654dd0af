"""Delivery: the e-mail outbox, its clicks and the suppression list, and the printed letter batches.

campaigns.delivery (services, tasks, rendering, views) works on these; the sequence engine hands a step's due
executions over through campaigns.channels and reads EmailClick for its "no click" condition and the "clicked a
previous campaign" segment filter.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Campaign
from .steps import CampaignStep, StepExecution


class EmailSuppression(models.Model):
    """An address never mailed again: it bounced hard, complained, or its owner unsubscribed.

    Keyed by the normalized address (customers.normalize.email_key), so the same mailbox on a second customer
    row or typed differently is suppressed too. Checked at send time, not only when the list was built.
    """

    class Reason(models.TextChoices):
        BOUNCE = "bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        MANUAL = "manual", _("Added by staff")

    email_key = models.CharField(_("e-mail"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=100, blank=True)  # "anymail webhook", "bounce mailbox", …
    created_at = models.DateTimeField(_("suppressed at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("e-mail suppression")
        verbose_name_plural = _("e-mail suppressions")

    def __str__(self):
        return f"{self.email_key} ({self.reason})"


class OutboxMessage(models.Model):
    """One e-mail of one step to one customer (in one round of his enrolment). The unique (step, customer, round)
    makes a second copy impossible to queue;
    the state moves only by conditional UPDATE (see campaigns.delivery.outbox for the exactly-once design)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    step = models.ForeignKey(CampaignStep, on_delete=models.CASCADE, related_name="outbox")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    execution = models.ForeignKey(StepExecution, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"), default=1, db_default=1)  # the execution's round
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # The address the message went to (filled at send time: the customer's address may change while queued).
    to_email = models.CharField(_("to"), max_length=254, blank=True)
    # The URLs of the rendered message: the click redirect goes only to one of these (no open redirect).
    links = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when a worker took it (the lease starts)
    claim_token = models.CharField(max_length=32, blank=True)  # which claim may mark it sent
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [models.UniqueConstraint(fields=["step", "customer", "round"], name="outbox_step_customer_uniq")]
        indexes = [
            models.Index(fields=["state", "claimed_at"], name="outbox_state_claimed_idx"),
            models.Index(fields=["step", "state"], name="outbox_step_state_idx"),
        ]

    def __str__(self):
        return f"{self.step_id}: {self.customer_id} ({self.state})"

    @property
    def message_id(self):
        """The same Message-ID on every attempt of this row, so a receiver can drop a repeated copy."""
        domain = getattr(settings, "MEZAME_EMAIL_MESSAGE_ID_DOMAIN", "") or "mezame.local"
        return f"<outbox-{self.pk}.step-{self.step_id}@{domain}>"


class EmailClick(models.Model):
    """A click on a tracked link of a campaign e-mail (a hot lead). The sequence engine reads these for the
    "no click" condition and the "clicked a previous campaign" segment filter."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="clicks")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(CampaignStep, on_delete=models.CASCADE, related_name="clicks")
    url = models.URLField(_("link"), max_length=1000)
    clicked_at = models.DateTimeField(_("clicked at"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail click")
        verbose_name_plural = _("e-mail clicks")
        indexes = [
            models.Index(fields=["customer", "clicked_at"], name="email_click_customer_idx"),
            models.Index(fields=["step", "customer"], name="email_click_step_idx"),
            models.Index(fields=["clicked_at"], name="email_click_time_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.url}"


class LetterBatch(models.Model):
    """A step's printed letters: filled by the channel handler while open, rendered once into one PDF (cover
    sheet, letters, labels, all in postal-code order), downloaded, then marked posted, which records the contacts."""

    class State(models.TextChoices):
        OPEN = "open", _("Collecting letters")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready to print")
        POSTED = "posted", _("Posted")
        FAILED = "failed", _("Rendering failed")

    class LabelLayout(models.IntegerChoices):
        TWELVE = 12, _("12 labels per A4 sheet")
        TWENTY_FOUR = 24, _("24 labels per A4 sheet")

    step = models.ForeignKey(CampaignStep, on_delete=models.CASCADE, related_name="letter_batches")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    label_layout = models.PositiveSmallIntegerField(_("labels"), choices=LabelLayout.choices,
                                                    default=LabelLayout.TWELVE)
    include_staff_profile = models.BooleanField(_("include the staff profile section"), default=False)
    file = models.FileField(upload_to="letters/", blank=True)  # private: streamed by a view that checks the right
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    letters_count = models.PositiveIntegerField(_("letters"), default=0)
    undeliverable_count = models.PositiveIntegerField(_("without a deliverable address"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    rendered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")
        ordering = ["-created_at"]
        # One open batch per step collects the letters due; a closed one is never added to.
        constraints = [models.UniqueConstraint(fields=["step"], condition=Q(state="open"),
                                               name="letter_batch_one_open_per_step")]

    def __str__(self):
        return f"{self.step} ({self.get_state_display()})"


class LetterBatchItem(models.Model):
    """One customer's letter in a batch; `position` is its place in the postal-code order (set at rendering)."""

    batch = models.ForeignKey(LetterBatch, on_delete=models.CASCADE, related_name="items")
    step = models.ForeignKey(CampaignStep, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    execution = models.ForeignKey(StepExecution, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"), default=1, db_default=1)  # the execution's round
    position = models.PositiveIntegerField(null=True, blank=True)
    # Empty when the letter is printed; otherwise why not (no postal code, no address, consent withdrawn …).
    problem = models.CharField(_("problem"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["batch", "position", "pk"]
        # A customer gets one letter per step and round, whichever batch it fell into.
        constraints = [models.UniqueConstraint(fields=["step", "customer", "round"],
                                               name="letter_item_step_customer_uniq")]

    def __str__(self):
        return f"{self.batch_id}: {self.customer_id}"
