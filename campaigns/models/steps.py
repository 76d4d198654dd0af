"""A campaign's sequence of steps, and each step's execution for each customer.

A one-shot campaign has one step; a layered sequence has several (e-mail → no click in 7 days → DM letter → no
purchase in 21 days → phone or visit task for key accounts). The nightly pipeline (campaigns.sequences) writes a
StepExecution when a target's step falls due and hands the due executions to the channel's handler
(campaigns.channels: delivery for e-mail and letters, visits for phone and visit tasks). The unique
(step, customer, round) is what makes each (customer, campaign, round, step) happen at most once, however often
it runs (the round is the target's: a playbook may enrol a customer again, campaigns.playbooks).
"""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Campaign, CampaignTarget


class CampaignStep(models.Model):
    class Condition(models.TextChoices):
        ALWAYS = "always", _("Always")
        NO_CLICK = "no_click", _("Only if no click on the previous step's message")
        NO_PURCHASE = "no_purchase", _("Only if no purchase since enrolment")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("step"), validators=[MinValueValidator(1)])
    channel = models.CharField(_("channel"), max_length=10, choices=Campaign.Channel.choices)
    # Days after the previous step (the first step: after the target's due date).
    wait_days = models.PositiveSmallIntegerField(_("wait (days)"), default=0, validators=[MaxValueValidator(365)])
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices, default=Condition.ALWAYS)
    is_key_accounts_only = models.BooleanField(_("key accounts only"), default=False)
    # Phone and visit steps: at most this many new tasks per rep and week; the highest priority goes first and the
    # rest wait for the next week (empty: no limit).
    weekly_capacity_per_rep = models.PositiveSmallIntegerField(_("tasks per rep and week"), null=True, blank=True)
    # What the step says (e-mail subject and body, the letter's text, the task's instructions); merge fields in
    # {{ }} are filled by delivery (campaigns.delivery).
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("campaign step")
        verbose_name_plural = _("campaign steps")
        ordering = ["campaign", "position"]
        constraints = [models.UniqueConstraint(fields=["campaign", "position"], name="campaign_step_position_uniq")]

    def __str__(self):
        return f"{self.campaign} #{self.position} ({self.get_channel_display()})"

    @property
    def touchpoint_channel(self):
        from .core import TOUCHPOINT_CHANNEL

        return TOUCHPOINT_CHANNEL[self.channel]


class StepExecution(models.Model):
    """One step for one customer: created once when due, then handed to the channel, then contacted or skipped."""

    class State(models.TextChoices):
        DUE = "due", _("Due")
        HANDED_OVER = "handed_over", _("Handed to the channel")  # queued in the outbox, in a letter batch, a task
        CONTACTED = "contacted", _("Contacted")
        SKIPPED = "skipped", _("Skipped")

    step = models.ForeignKey(CampaignStep, on_delete=models.CASCADE, related_name="executions")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(CampaignTarget, on_delete=models.CASCADE, related_name="executions")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"), default=1, db_default=1)  # the target's round
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DUE)
    # Why it was skipped: an exclusion at execution time (no consent, cap reached, …) or the step's condition.
    skip_reason = models.CharField(_("why skipped"), max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("step execution")
        verbose_name_plural = _("step executions")
        constraints = [models.UniqueConstraint(fields=["step", "customer", "round"], name="step_execution_uniq")]
        indexes = [
            models.Index(fields=["customer"], name="step_execution_customer_idx"),
            models.Index(fields=["step", "state"], name="step_execution_state_idx"),
        ]

    def __str__(self):
        return f"{self.step_id}: {self.customer_id} ({self.state})"
