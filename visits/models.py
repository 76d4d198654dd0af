"""Field sales: the tasks a rep works through (calls and visits), what he logged, his daily report (日報), and the
changes to the customer master he suggested on the road.

The contact history is ONE: `customers.Touchpoint`. A logged visit or call is a Touchpoint (channel visit/phone)
plus a `VisitLog` that carries what only field sales needs (purpose, outcome, next action), kept on this side so
the customers app never imports visits (as campaigns.CampaignContact does).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer, Touchpoint


class Purpose(models.TextChoices):
    REACTIVATION = "reactivation", _("Reactivation")
    REGULAR = "regular", _("Regular visit")
    COMPLAINT = "complaint", _("Complaint")
    FOLLOW_UP = "follow_up", _("Delivery / maintenance follow-up")


class Outcome(models.TextChoices):
    NEEDS_FOUND = "needs_found", _("Needs found")
    QUOTE_REQUESTED = "quote_requested", _("Quote requested")
    ORDER_TAKEN = "order_taken", _("Order taken")
    NO_INTEREST = "no_interest", _("No interest")
    BUSINESS_CLOSED = "business_closed", _("Business closed")
    MOVED = "moved", _("Moved")
    CONTACT_LEFT = "contact_left", _("Contact person left")


class VisitSettings(models.Model):
    """How many tasks the nightly step hands each rep: one row (pk=1), the manager's decision, kept with the data."""

    top_dormant_per_rep = models.PositiveSmallIntegerField(
        _("top dormant customers per rep"), default=5,
        help_text=_("Each night every rep has an open task for at least this many of his highest-priority dormant customers."),
    )
    key_account_due_days = models.PositiveSmallIntegerField(_("days to visit a key account"), default=3)
    due_days = models.PositiveSmallIntegerField(_("days to contact another customer"), default=7)
    # A customer just contacted is not handed out again at once, even if he is still near the top of the list.
    cooldown_days = models.PositiveSmallIntegerField(_("days before the same customer is handed out again"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit settings")
        verbose_name_plural = _("visit settings")

    def __str__(self):
        return f"top {self.top_dormant_per_rep}/rep"

    @classmethod
    def current(cls):
        row, _created = cls.objects.get_or_create(pk=1)
        return row


class VisitTask(models.Model):
    """A call or visit a rep should make: handed out by the nightly step, a campaign's sequence, or a manager."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE = "phone", _("Call")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    class Source(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly scan")
        CAMPAIGN = "campaign", _("Campaign")
        MANUAL = "manual", _("Assigned by a manager")
        NEXT_ACTION = "next_action", _("Next action of a visit")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="visit_tasks",
                                 verbose_name=_("customer"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="visit_tasks", verbose_name=_("rep"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VISIT)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.REACTIVATION)
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    skip_reason = models.CharField(_("why skipped"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    # Copied from the dormancy verdict when the task is made: the list's order must not move under the rep.
    priority = models.FloatField(_("priority"), null=True, blank=True)
    reason = models.CharField(_("dormancy reason"), max_length=20, blank=True)
    # Free text from the manager or the previous visit; empty for nightly tasks (the reason's approach is shown).
    note = models.TextField(_("what to do"), blank=True)
    # The campaign step execution that asked for this call or visit (campaigns.StepExecution), a plain id so the
    # two apps of the same layer do not depend on each other's migrations.
    step_execution_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            # Re-running the nightly step or a campaign step creates nothing new (INSERT … ON CONFLICT DO NOTHING).
            models.UniqueConstraint(fields=["customer", "purpose"], condition=Q(state="open"),
                                    name="visit_task_one_open_per_purpose"),
        ]
        indexes = [
            models.Index(fields=["assigned_to", "state", "due_on"], name="visit_task_rep_state_idx"),
            models.Index(fields=["state", "due_on"], name="visit_task_state_due_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.kind} {self.due_on} {self.state}"

    @property
    def is_open(self):
        return self.state == self.State.OPEN


class VisitLog(models.Model):
    """What a rep logged about one visit or call; its Touchpoint is the entry on the customer's timeline."""

    touchpoint = models.OneToOneField(Touchpoint, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="visit_logs",
                                 verbose_name=_("customer"))
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                            related_name="visit_logs", verbose_name=_("rep"))
    visited_at = models.DateTimeField(_("date and time"))
    channel = models.CharField(_("channel"), max_length=10, choices=VisitTask.Kind.choices)
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("contact met"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    next_action = models.CharField(_("next action"), max_length=300, blank=True)
    next_action_on = models.DateField(_("next action on"), null=True, blank=True)
    task = models.ForeignKey(VisitTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="logs")
    next_task = models.ForeignKey(VisitTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The engine's reason when the visit was made, so outcomes can be read by reason after the verdict moved on.
    inferred_reason = models.CharField(_("inferred reason"), max_length=20, blank=True)
    confirmed_reason = models.CharField(_("confirmed reason"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit log")
        verbose_name_plural = _("visit logs")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["rep", "visited_at"], name="visit_log_rep_time_idx"),
            models.Index(fields=["customer", "-visited_at"], name="visit_log_customer_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.visited_at:%Y-%m-%d} {self.outcome}"


class DailyReport(models.Model):
    """A rep's report for one day (日報). The day's visits, calls and touchpoints are read when it is shown, never
    copied: a late log still appears in it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        READ = "read", _("Read by the manager")

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_reports",
                            verbose_name=_("rep"))
    day = models.DateField(_("day"))
    what_happened = models.TextField(_("what happened"), blank=True)
    issues = models.TextField(_("issues"), blank=True)
    tomorrow_plan = models.TextField(_("tomorrow's plan"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    manager_comment = models.TextField(_("manager's comment"), blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("read by"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "rep_id"]
        constraints = [models.UniqueConstraint(fields=["rep", "day"], name="daily_report_one_per_rep_day")]
        indexes = [models.Index(fields=["state", "day"], name="daily_report_state_day_idx")]

    def __str__(self):
        return f"{self.rep_id} {self.day} {self.state}"

    @property
    def is_editable(self):
        return self.state == self.State.DRAFT


class UpdateSuggestion(models.Model):
    """A change to the customer master that a rep heard on the road; the list maintainer accepts or rejects it."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        MOBILE = "mobile", _("Mobile phone")
        EMAIL = "email", _("E-mail")
        ADDRESS = "address", _("Address")
        CONTACT_PERSON = "contact_person", _("Contact person")
        BUSINESS_CLOSED = "business_closed", _("Business closed")
        MOVED = "moved", _("Moved")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="update_suggestions",
                                 verbose_name=_("customer"))
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    proposed_value = models.CharField(_("new value"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    visit_log = models.ForeignKey(VisitLog, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions")
    daily_report = models.ForeignKey(DailyReport, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="suggestions")
    suggested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("suggested by"))
    created_at = models.DateTimeField(_("suggested at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggested update")
        verbose_name_plural = _("suggested updates")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "kind", "created_at"], name="suggestion_state_idx")]

    def __str__(self):
        return f"{self.customer_id} {self.kind}={self.proposed_value} ({self.state})"

    @property
    def is_closed_or_moved(self):
        return self.kind in (self.Kind.BUSINESS_CLOSED, self.Kind.MOVED)
