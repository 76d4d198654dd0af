"""List maintenance records: retirements, merges (with the snapshot that undoes them), review rules and their
flags, and personal-data deletion requests. The services are in customers.maintenance."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .customer import Customer


class CustomerRetirement(models.Model):
    """One retirement or return of a customer: when, why and by whom (the lifecycle itself is on Customer).

    The lifecycle before retirement is kept so bringing a customer back restores prospect or customer as it was.
    """

    class Action(models.TextChoices):
        RETIRE = "retire", _("Retired")
        UNRETIRE = "unretire", _("Brought back")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="retirements")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    previous_lifecycle = models.CharField(_("previous lifecycle"), max_length=10, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("retirement")
        verbose_name_plural = _("retirements")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["customer", "-at"], name="retirement_customer_at_idx")]

    def __str__(self):
        return f"{self.customer_id} {self.action} {self.at:%Y-%m-%d}"


class CustomerMerge(models.Model):
    """A merge of `duplicate` into `survivor`: the snapshot holds both records and every moved or removed row as
    it was, so customers.maintenance.merge.customer_merge_undo can put everything back exactly."""

    class State(models.TextChoices):
        DONE = "done", _("Merged")
        UNDONE = "undone", _("Undone")

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_survived")
    duplicate = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_absorbed")
    chosen_fields = models.JSONField(_("values kept"), default=dict)
    snapshot = models.JSONField(default=dict, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DONE)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-merged_at", "-pk"]

    def __str__(self):
        return f"{self.duplicate_id} → {self.survivor_id}"


class ReviewRule(models.Model):
    """A registration/retirement rule (登録・識別・改廃): which records to put on the maintainer's review list."""

    class Kind(models.TextChoices):
        PROSPECT_NO_CONTACT = "prospect_no_contact", _("Prospect with no contact for N months")
        CUSTOMER_NO_PURCHASE = "customer_no_purchase", _("Customer with no purchase for N months")
        NOT_UPDATED = "not_updated", _("Record not updated for N months")
        SOURCE = "source", _("Listed by a worklist source (e.g. closed business reported)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    months = models.PositiveIntegerField(_("months"), null=True, blank=True)
    source_key = models.CharField(_("worklist source"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("review rule")
        verbose_name_plural = _("review rules")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ReviewFlag(models.Model):
    """A record a rule put on the review list; open until the maintainer retires or keeps it."""

    class Resolution(models.TextChoices):
        RETIRED = "retired", _("Retired")
        KEPT = "kept", _("Kept")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="review_flags")
    rule = models.ForeignKey(ReviewRule, on_delete=models.CASCADE, related_name="flags")
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)

    class Meta:
        verbose_name = _("review flag")
        verbose_name_plural = _("review flags")
        constraints = [
            # One open flag per rule and customer: re-evaluating a rule adds nothing for a record already listed.
            models.UniqueConstraint(
                fields=["customer", "rule"], condition=models.Q(resolved_at__isnull=True), name="review_flag_open_uniq"
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.rule_id}"


class DeletionRequest(models.Model):
    """A personal-data deletion request (個人情報の削除請求): the only way personal data is erased."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        EXECUTED = "executed", _("Executed")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deletion_requests")
    customer_code = models.CharField(_("customer code"), max_length=32)
    requested_by = models.CharField(_("requested by"), max_length=200,
                                    help_text=_("Who asked (the person, or who spoke for the company)."))
    requested_on = models.DateField(_("requested on"))
    channel = models.CharField(_("received how"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    # What was erased (model, field names, row counts; never the values), written by the execution.
    log = models.JSONField(default=dict, editable=False)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.customer_code} {self.get_state_display()}"


class WorklistTally(models.Model):
    """The worklist counts and the list's completeness for one combination of the worklist page's filters, as
    the nightly scan found them (customers.maintenance.tally). `scope` names the filters ("rep=12|lifecycle=*|
    prefecture=*", "*" for any); every combination with at least one live customer has a row, so a page reads one.
    Rewritten whole by each refresh; the page shows `taken_at` and counts the list it opens live."""

    scope = models.CharField(max_length=120, unique=True)
    counts = models.JSONField(default=dict)  # {list key or "completeness:<field>": n}
    taken_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worklist tally")
        verbose_name_plural = _("worklist tallies")

    def __str__(self):
        return f"{self.scope} {self.taken_at:%Y-%m-%d %H:%M}"
