"""Campaigns: demand seasons, saved segments, campaigns, their targets and the contacts they made.

The contact history is ONE: `customers.Touchpoint`. Every contact with a customer — a rep's call logged on the card,
a visit, a campaign's letter or e-mail — is a Touchpoint row, and the frequency cap counts those rows per channel
(campaigns.segments). A campaign's contact is a Touchpoint plus a `CampaignContact` that links it to the campaign,
kept on this side so the customers app never imports campaigns.
"""
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Touchpoint

MONTH_VALIDATORS = [MinValueValidator(1), MaxValueValidator(12)]
DAY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(31)]


class ContactPolicy(models.Model):
    """The company's frequency cap: one row (pk=1), created with the defaults when first read.

    A row rather than a Django setting because it is the manager's business decision, changed without a deploy
    and kept with the data (one installation is one company).
    """

    max_contacts_30d = models.PositiveSmallIntegerField(_("contacts per 30 days and channel"), default=2)
    max_contacts_180d = models.PositiveSmallIntegerField(_("contacts per 180 days and channel"), default=6)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact policy")
        verbose_name_plural = _("contact policy")

    def __str__(self):
        return f"{self.max_contacts_30d}/30d, {self.max_contacts_180d}/180d"

    @classmethod
    def current(cls):
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class DemandSeason(models.Model):
    """A season when customers need something (需要期): crab season, New Year, construction peak, school year.

    Given as month/day to month/day; an end before the start runs over the new year (November → February).
    """

    name = models.CharField(_("name"), max_length=100)
    start_month = models.PositiveSmallIntegerField(_("start month"), validators=MONTH_VALIDATORS)
    start_day = models.PositiveSmallIntegerField(_("start day"), default=1, validators=DAY_VALIDATORS)
    end_month = models.PositiveSmallIntegerField(_("end month"), validators=MONTH_VALIDATORS)
    end_day = models.PositiveSmallIntegerField(_("end day"), default=31, validators=DAY_VALIDATORS)
    repeats_yearly = models.BooleanField(_("repeats every year"), default=True)
    # Only for a season that does not repeat: the year it starts in.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("demand season")
        verbose_name_plural = _("demand seasons")
        ordering = ["start_month", "start_day", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        for month, day, field in ((self.start_month, self.start_day, "start_day"),
                                  (self.end_month, self.end_day, "end_day")):
            if month and day and day > _days_in_month(month):
                raise ValidationError({field: _("This month has no such day.")})
        if not self.repeats_yearly and not self.year:
            raise ValidationError({"year": _("A season that does not repeat needs its year.")})

    @property
    def wraps_year(self):
        return (self.end_month, self.end_day) < (self.start_month, self.start_day)

    def months_in(self, year):
        """The months (1–12) of `year` that the season touches, including a part run over from the year before."""
        if not self.repeats_yearly:
            if self.year == year:
                return list(range(self.start_month, 13 if self.wraps_year else self.end_month + 1))
            if self.year == year - 1 and self.wraps_year:
                return list(range(1, self.end_month + 1))
            return []
        if self.wraps_year:
            return list(range(1, self.end_month + 1)) + list(range(self.start_month, 13))
        return list(range(self.start_month, self.end_month + 1))


def _days_in_month(month):
    return 29 if month == 2 else (30 if month in (4, 6, 9, 11) else 31)


class Segment(models.Model):
    """A saved, previewable filter over customers (campaigns.segments reads `filters` of its `version`)."""

    name = models.CharField(_("name"), max_length=100)
    filters = models.JSONField(_("filters"), default=dict)
    # The shape of `filters`; a later shape migrates old rows instead of guessing.
    version = models.PositiveSmallIntegerField(default=1, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name=_("owner"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Campaign(models.Model):
    class Approach(models.TextChoices):
        EVERYONE = "everyone", _("Everyone with consent")
        SEGMENT = "segment", _("Targeted segment")
        RELATIONSHIP = "relationship", _("Relationship contact (sells nothing)")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail newsletter")
        DM = "dm", _("DM letter")
        PHONE = "phone", _("Phone task")
        VISIT = "visit", _("Visit task")

    class Timing(models.TextChoices):
        FIXED = "fixed", _("At the start of the period")
        FISCAL_YEAR_END = "fiscal_year_end", _("Months before each customer's fiscal year-end")
        NEXT_PURCHASE = "next_purchase", _("Days before each customer's next expected purchase")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LAUNCHED = "launched", _("Launched")
        FINISHED = "finished", _("Finished")

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign")
        # A playbook is a campaign the nightly pipeline keeps enrolling newly dormant customers into, by reason.
        PLAYBOOK = "playbook", _("Reactivation playbook")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CAMPAIGN)
    # For a playbook: the dormancy reason whose newly dormant customers it takes (crm.dormancy DormancyReason).
    playbook_reason = models.CharField(_("for dormancy reason"), max_length=20, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    approach = models.CharField(_("approach"), max_length=20, choices=Approach.choices, default=Approach.SEGMENT)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Empty: everyone (with consent for the channel).
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns",
                                verbose_name=_("segment"))
    timing = models.CharField(_("timing"), max_length=20, choices=Timing.choices, default=Timing.FIXED)
    # Months for FISCAL_YEAR_END, days for NEXT_PURCHASE; unused for FIXED.
    timing_offset = models.PositiveSmallIntegerField(_("how many months / days before"), default=0)
    include_lost = models.BooleanField(_("include lost customers"), default=False)
    control_share_percent = models.PositiveSmallIntegerField(
        _("control group (%)"), default=0, validators=[MaxValueValidator(50)],
        help_text=_("A random share of the targets held back, to measure what the campaign changed."))
    # A contacted customer who buys within this many days of the contact counts as having responded.
    response_window_days = models.PositiveSmallIntegerField(
        _("response window (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)])
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("launched by"))
    # What the launch found: targets, control group, excluded by reason (the response figures compare with it).
    launch_counts = models.JSONField(default=dict, blank=True, editable=False)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", editable=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["starts_on", "name"]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="campaign_period_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="campaign_period_ordered")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("campaigns:detail", args=[self.pk])

    @property
    def is_draft(self):
        return self.state == self.State.DRAFT

    @property
    def touchpoint_channel(self):
        return TOUCHPOINT_CHANNEL[self.channel]

    def months_in(self, year):
        """The months (1–12) of `year` that the campaign's period touches."""
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        if self.ends_on < first or self.starts_on > last:
            return []
        start = max(self.starts_on, first).month
        end = min(self.ends_on, last).month
        return list(range(start, end + 1))


# The Touchpoint channel a campaign channel contacts through: the frequency cap counts these rows.
TOUCHPOINT_CHANNEL = {
    Campaign.Channel.EMAIL: Touchpoint.Channel.EMAIL,
    Campaign.Channel.DM: Touchpoint.Channel.LETTER,
    Campaign.Channel.PHONE: Touchpoint.Channel.PHONE,
    Campaign.Channel.VISIT: Touchpoint.Channel.VISIT,
}


class CampaignTarget(models.Model):
    """A customer a launched campaign chose (written set-based at launch, or enrolled into a playbook by the
    nightly pipeline), and where he stands in the campaign's sequence of steps. Control-group members are never
    contacted; they are kept to compare the response with doing nothing.

    `round` numbers a customer's enrolments into the same campaign: an ordinary campaign has only round 1; a
    playbook enrols a customer again (round 2, 3, …) when he went dormant again after his previous round ended
    (campaigns.playbooks). The per-step rows (executions, contacts, outbox, letters, coupons, feedback) carry the
    round of the enrolment they belong to, and their unique keys include it."""

    class SequenceState(models.TextChoices):
        ACTIVE = "active", _("In the sequence")
        COMPLETED = "completed", _("All steps done")
        LEFT = "left", _("Left the sequence")

    class LeftReason(models.TextChoices):
        PURCHASED = "purchased", _("Bought again")
        OPTED_OUT = "opted_out", _("Opted out")
        RETIRED = "retired", _("Retired from the list")
        MERGED = "merged", _("Merged into another record")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    in_control_group = models.BooleanField(_("control group"), default=False)
    # When this customer is due (the period's start, or the date the timing gives for him).
    due_on = models.DateField(_("due on"))
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    # The sequence: the position of the last step executed (0: none yet) and when the next one is due.
    sequence_state = models.CharField(_("sequence"), max_length=10, choices=SequenceState.choices,
                                      default=SequenceState.ACTIVE)
    last_step_position = models.PositiveSmallIntegerField(_("last step done"), default=0)
    next_step_on = models.DateField(_("next step due"), null=True, blank=True)
    left_reason = models.CharField(_("why left"), max_length=20, choices=LeftReason.choices, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    # db_default too: set-based INSERTs that leave the column out write round 1.
    round = models.PositiveSmallIntegerField(_("round"), default=1, db_default=1,
                                             validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer", "round"], name="campaign_target_uniq"),
            # At most one running round per campaign and customer: the sequence engine finds "his" target by
            # (campaign, customer) among the active ones.
            models.UniqueConstraint(fields=["campaign", "customer"], condition=models.Q(sequence_state="active"),
                                    name="campaign_target_one_active"),
        ]
        indexes = [
            models.Index(fields=["customer"], name="campaign_target_customer_idx"),
            models.Index(fields=["campaign", "due_on"], name="campaign_target_due_idx"),
            # The nightly advance reads only the active targets whose next step is due.
            models.Index(fields=["next_step_on"], name="campaign_target_next_idx",
                         condition=models.Q(sequence_state="active")),
        ]

    def __str__(self):
        return f"{self.campaign_id}: {self.customer_id}" + (f" #{self.round}" if self.round > 1 else "")


class CampaignContact(models.Model):
    """One contact a campaign made: the campaign's side of a Touchpoint (which the frequency cap counts)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contacts")
    # The step that made the contact (a sequence contacts a customer once per step).
    step = models.ForeignKey("CampaignStep", on_delete=models.CASCADE, related_name="contacts")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"), default=1, db_default=1)  # the target's round
    channel = models.CharField(_("channel"), max_length=10, choices=Campaign.Channel.choices)
    # Deleting the touchpoint (or its customer) deletes this link: the history has one owner.
    touchpoint = models.OneToOneField(Touchpoint, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("campaign contact")
        verbose_name_plural = _("campaign contacts")
        constraints = [models.UniqueConstraint(fields=["step", "customer", "round"],
                                               name="campaign_contact_step_uniq")]
        indexes = [models.Index(fields=["customer", "created_at"], name="campaign_contact_customer_idx")]

    def __str__(self):
        return f"{self.campaign_id}: {self.customer_id} ({self.channel})"
