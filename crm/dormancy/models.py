"""Dormancy state per customer, written by the nightly scan (never by forms).

The tables keep the names they had when these models belonged to the core app (crm_*): the models moved to this
app by a state-only migration (crm 0009, dormancy 0001), so no row was copied.
"""
import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.choices import DormancyStatus

__all__ = [
    "RULE_STATUS",
    "ConfirmedReason",
    "CustomerDormancy",
    "DormancyReason",
    "DormancyRule",
    "DormancyStatus",
    "ModelFit",
    "RankingEvaluation",
    "RuleCode",
    "ScanRun",
    "StatusChange",
]


class DormancyReason(models.TextChoices):
    PRODUCT = "product", _("Product dissatisfaction")
    PRICE = "price", _("Price")
    CUSTOMER_SIDE = "customer_side", _("Change on the customer's side")
    UNKNOWN = "unknown", _("Unknown")


# The statuses the dormant list shows (targets and lost); its sort indexes cover only these rows.
LISTED_STATUSES = (DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST)


def _list_index(name, key):
    """(key, customer) over the listed statuses: a page of any tab, in either direction, is a range scan of the
    index that stops after a page (the tab's status and the exclusion are filters on the rows it meets)."""
    return models.Index(key, F("customer_id"), name=name, condition=Q(status__in=[s.value for s in LISTED_STATUSES]))


class CustomerDormancy(models.Model):
    """The engine's current verdict on one customer, kept apart from the customer's own (audited) fields."""

    # No database-level foreign key: the table is derived data that the nightly scan rewrites whole from the
    # customers of its own snapshot (a million deferred key checks at each commit otherwise). Deleting a customer
    # still deletes its row (Django's CASCADE), and the next scan drops any row left by a race.
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="dormancy",
        db_constraint=False,
    )
    # Indexed through dormancy_status_priority_idx and the dormant list's sort indexes (partial: listed statuses
    # only). A new date rewrites the table whole and rebuilds them after the insert (pipeline._bulk_insert); a
    # rerun of the same date writes only the rows that differ.
    status = models.CharField(_("status"), max_length=10, choices=DormancyStatus.choices)
    rule = models.CharField(_("rule"), max_length=20, blank=True)
    # The rule record that matched (a segment override or the default), shown on the card.
    applied_rule = models.ForeignKey(
        "DormancyRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False,
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=20, choices=DormancyReason.choices, blank=True)
    dormant_since = models.DateField(_("dormant since"), null=True, blank=True)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    days_since_last_purchase = models.PositiveIntegerField(_("days since last purchase"), null=True)
    # The figures the dormant list shows and sorts by, as of this scan (the summary moves with every import):
    # past spend and the two 12-month windows, whose difference is the volume lost by a customer who buys less.
    total_amount = models.BigIntegerField(_("past spend"), default=0)
    amount_last_12m = models.BigIntegerField(_("last 12 months"), default=0)
    amount_prev_12m = models.BigIntegerField(_("previous 12 months"), default=0)
    priority_score = models.FloatField(_("priority score"), null=True)
    is_excluded = models.BooleanField(_("excluded from targeting"), default=False)
    exclusion_reason = models.CharField(_("why excluded"), max_length=30, blank=True)
    p_alive = models.FloatField(_("probability still active"), null=True)
    expected_purchases_90d = models.FloatField(_("expected purchases in 90 days"), null=True)
    # The learned model's calibrated chance of buying within the horizon (crm.dormancy.learned); NULL while the
    # rule is in force, and for customers who are not scored.
    return_probability = models.FloatField(_("chance of buying again"), null=True)
    next_expected_purchase_on = models.DateField(_("next expected purchase"), null=True, blank=True)
    as_of = models.DateField(_("as of"))

    class Meta:
        db_table = "crm_customerdormancy"
        verbose_name = _("dormancy status")
        verbose_name_plural = _("dormancy statuses")
        indexes = [
            models.Index(fields=["status", "-priority_score"], name="dormancy_status_priority_idx"),
            # The customers of one status, read from the index alone: the campaigns' "lost" exclusion
            # (campaigns.segments) hashes the lost customers' ids for every preview and launch.
            models.Index(fields=["status", "customer"], name="dormancy_status_customer_idx"),
            # The dormant list's sort keys (crm.dormancy.selectors.SORTS), each over the listed statuses only.
            _list_index("dormancy_list_priority_idx", F("priority_score").desc()),
            _list_index("dormancy_list_last_idx", F("days_since_last_purchase")),
            _list_index("dormancy_list_spend_idx", F("total_amount").desc()),
            _list_index("dormancy_list_since_idx", F("dormant_since")),
            _list_index("dormancy_list_change_idx", F("amount_last_12m") - F("amount_prev_12m")),
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.status}"

    @property
    def last_purchase_on(self):
        if self.days_since_last_purchase is None:
            return None
        return self.as_of - datetime.timedelta(days=self.days_since_last_purchase)

    @property
    def amount_change_12m(self):
        """The last 12 months against the 12 before, in yen (negative: volume lost)."""
        return self.amount_last_12m - self.amount_prev_12m

    @property
    def change_12m_percent(self):
        """The same as a whole percentage of the year before; None when the year before had no sales."""
        if not self.amount_prev_12m:
            return None
        return round(100 * self.amount_change_12m / self.amount_prev_12m)

    @property
    def is_buying_less(self):
        """Dormant by a rule for customers who still buy, but less (sales halved, member spend dropped)."""
        return self.rule in BUYING_LESS_RULES

    @property
    def rule_label(self):
        """The rule behind the status in a word or two (売上半減, 購入途絶, 周期遅れ); empty for lost and active."""
        return RULE_SHORT_LABELS.get(self.rule, "")

    @property
    def status_label(self):
        """The status with its rule, e.g. 休眠・売上半減: what the customer list and the card show."""
        if self.rule_label:
            return _("%(status)s · %(rule)s") % {"status": self.get_status_display(), "rule": self.rule_label}
        return self.get_status_display()


class RuleCode(models.TextChoices):
    """The rules in their order of precedence (see docs/dormancy.md); ONE_TIME is an exclusion, not a status rule."""

    INACTIVITY = "inactivity", _("Inactivity")
    HALVED = "halved", _("Sales halved")
    MEMBER_SPEND = "member_spend", _("Member spend dropped")
    CYCLE_OVERDUE = "cycle_overdue", _("Purchase cycle overdue")
    LOST = "lost", _("Lost")
    ONE_TIME = "one_time", _("Small one-time buyers")


# The rule in a word or two, next to the status wherever it is shown (the lost rule is the status itself).
RULE_SHORT_LABELS = {
    RuleCode.INACTIVITY: _("Stopped buying"),
    RuleCode.HALVED: _("Sales halved"),
    RuleCode.MEMBER_SPEND: _("Spend dropped"),
    RuleCode.CYCLE_OVERDUE: _("Cycle overdue"),
}
# Rules that flag customers who still buy, but less: their reasons and approaches differ (crm.dormancy.reasons).
BUYING_LESS_RULES = (RuleCode.HALVED, RuleCode.MEMBER_SPEND)

# Status each rule leads to (ONE_TIME leads to none: it only excludes from targeting).
RULE_STATUS = {
    RuleCode.INACTIVITY: DormancyStatus.DORMANT,
    RuleCode.HALVED: DormancyStatus.DORMANT,
    RuleCode.MEMBER_SPEND: DormancyStatus.DORMANT,
    RuleCode.CYCLE_OVERDUE: DormancyStatus.AT_RISK,
    RuleCode.LOST: DormancyStatus.LOST,
}


class DormancyRule(models.Model):
    """One rule as the manager configured it: a default (no segment) or an override for a tag or an industry.

    Which parameters a rule reads depends on its code (see crm.dormancy.rules.PARAMETERS); the others stay empty.
    """

    code = models.CharField(_("rule"), max_length=20, choices=RuleCode.choices)
    tag = models.ForeignKey(
        "customers.Tag", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("tag")
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    ratio_percent = models.PositiveSmallIntegerField(_("ratio (%)"), null=True, blank=True)
    amount_yen = models.PositiveIntegerField(_("amount (yen)"), null=True, blank=True)
    months_required = models.PositiveSmallIntegerField(_("months required"), null=True, blank=True)
    multiplier = models.DecimalField(_("multiplier"), max_digits=5, decimal_places=2, null=True, blank=True)
    min_purchase_days = models.PositiveSmallIntegerField(_("minimum purchase days"), null=True, blank=True)
    is_targeted = models.BooleanField(_("targeted by campaigns"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], table_name="crm_historicaldormancyrule")

    class Meta:
        db_table = "crm_dormancyrule"
        verbose_name = _("dormancy rule")
        verbose_name_plural = _("dormancy rules")
        ordering = ["code", "tag__name", "industry"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(tag__isnull=True, industry=""), name="dormancy_rule_one_default"
            ),
            models.UniqueConstraint(fields=["code", "tag"], condition=Q(tag__isnull=False), name="dormancy_rule_tag_uniq"),
            models.UniqueConstraint(
                fields=["code", "industry"], condition=~Q(industry=""), name="dormancy_rule_industry_uniq"
            ),
            models.CheckConstraint(
                condition=Q(tag__isnull=True) | Q(industry=""), name="dormancy_rule_one_segment_kind"
            ),
        ]

    def __str__(self):
        return f"{self.get_code_display()} ({self.segment_label})"

    @property
    def is_default(self):
        return self.tag_id is None and not self.industry

    @property
    def segment_label(self):
        if self.tag_id:
            return _("tag: %(name)s") % {"name": self.tag.name}
        if self.industry:
            return _("industry: %(name)s") % {"name": self.industry}
        return _("all customers")


class StatusChange(models.Model):
    """One change of a customer's status found by a scan: the card's timeline and the dashboard's reactivations."""

    # No index of its own: statuschange_customer_idx (customer, -as_of) serves every look-up by customer, and the
    # first scan of a large base inserts a million rows into each index. No database-level key either: the scan
    # writes these rows from a join with the customers table in its own transaction, and a million deferred key
    # checks would cost the first scan more than its own work; deleting a customer still deletes its events
    # (Django's CASCADE).
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="status_changes", db_index=False,
        db_constraint=False,
    )
    from_status = models.CharField(_("from"), max_length=10, choices=DormancyStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=DormancyStatus.choices)
    rule = models.CharField(_("rule"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=DormancyReason.choices, blank=True)
    days_since_last_purchase = models.PositiveIntegerField(_("days since last purchase"), null=True)
    last_purchase_on = models.DateField(_("last purchase"), null=True)
    purchase_days = models.PositiveIntegerField(_("purchase days"), default=0)
    total_amount = models.BigIntegerField(_("total amount"), default=0)
    amount_last_12m = models.BigIntegerField(_("last 12 months"), default=0)
    amount_prev_12m = models.BigIntegerField(_("previous 12 months"), default=0)
    as_of = models.DateField(_("as of"))
    # A link to the run's log only (no database-level key: a first scan records a million events in one run).
    scan_run = models.ForeignKey(
        "ScanRun", on_delete=models.SET_NULL, null=True, related_name="changes", db_constraint=False
    )

    class Meta:
        db_table = "crm_statuschange"
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-as_of", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-as_of"], name="statuschange_customer_idx"),
            models.Index(fields=["as_of"], name="statuschange_as_of_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.as_of}: {self.from_status or '-'} → {self.to_status}"

    @property
    def is_reactivation(self):
        return self.to_status == DormancyStatus.ACTIVE and self.from_status in (
            DormancyStatus.DORMANT,
            DormancyStatus.AT_RISK,
            DormancyStatus.LOST,
        )


class ScanRun(models.Model):
    """One run of the nightly scan (or a manual one), for the manager's run log."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused: another scan was running")

    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    step_seconds = models.JSONField(_("seconds per step"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    triggered_by = models.CharField(_("triggered by"), max_length=100, blank=True)

    class Meta:
        db_table = "crm_scanrun"
        verbose_name = _("scan run")
        verbose_name_plural = _("scan runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"scan {self.as_of} {self.outcome}"

    @property
    def duration_seconds(self):
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ModelFit(models.Model):
    """Fitted BG/NBD parameters (time unit: weeks), one per scan date."""

    fitted_on = models.DateField(_("fitted on"), unique=True)
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    log_likelihood = models.FloatField(_("log-likelihood"))
    n_customers = models.PositiveIntegerField(_("customers"))
    seconds = models.FloatField(_("seconds"), default=0)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "crm_modelfit"
        verbose_name = _("BG/NBD model fit")
        verbose_name_plural = _("BG/NBD model fits")
        ordering = ["-fitted_on"]

    def __str__(self):
        return f"BG/NBD {self.fitted_on}: r={self.r:.3f} α={self.alpha:.3f} a={self.a:.3f} b={self.b:.3f}"


class RankingEvaluation(models.Model):
    """The weekly back-test of the win-back ranking and the priority it put in force (crm.dormancy.ranking).

    `figures` is the back-test as `manage.py backtest_ranking --json` writes it; `model` the learned model fitted
    for `as_of` (crm.dormancy.learned.ReturnModel) when it is in force, else empty.
    """

    class Method(models.TextChoices):
        RULE = "rule", _("Rule: most recently dormant first, big and frequent buyers first")
        LEARNED = "learned", _("Learned from this company's purchase history")

    as_of = models.DateField(_("as of"))
    horizon_days = models.PositiveSmallIntegerField(_("horizon (days)"))
    cutoff = models.DateField(_("cut-off"))
    method = models.CharField(_("priority in force"), max_length=10, choices=Method.choices)
    why = models.CharField(_("why"), max_length=30, blank=True)
    figures = models.JSONField(_("back-test figures"), default=dict)
    model = models.JSONField(_("learned model"), default=dict, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ranking evaluation")
        verbose_name_plural = _("ranking evaluations")
        ordering = ["-as_of", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["as_of", "horizon_days"], name="ranking_evaluation_as_of_horizon_uniq")
        ]

    def __str__(self):
        return f"ranking {self.as_of} ({self.horizon_days} days): {self.method}"


class ConfirmedReason(models.Model):
    """Why a dormant customer stopped buying, as the customer told us (a visit, a call, the feedback form).

    The scan infers a reason from purchase patterns (CustomerDormancy.reason); a confirmed reason overrides it on
    the card, in segments and on the dashboard, which also compares the two so the inference rules can be tuned.
    One current row per customer; django-simple-history keeps the earlier ones.
    """

    class Reason(models.TextChoices):
        PRODUCT = DormancyReason.PRODUCT.value, DormancyReason.PRODUCT.label
        PRICE = DormancyReason.PRICE.value, DormancyReason.PRICE.label
        CUSTOMER_SIDE = DormancyReason.CUSTOMER_SIDE.value, DormancyReason.CUSTOMER_SIDE.label
        MOVED = "moved", _("Moved")
        CLOSED = "closed", _("Business closed")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Phone call")
        FEEDBACK = "feedback", _("Customer's feedback form")
        CARD = "card", _("Entered on the card")

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="confirmed_dormancy_reason",
    )
    reason = models.CharField(_("confirmed reason"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("how we learned it"), max_length=20, choices=Source.choices)
    # The status the customer had when the reason was confirmed (the dashboard compares with the inferred reason).
    inferred_reason = models.CharField(_("inferred reason then"), max_length=20, choices=DormancyReason.choices,
                                       blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("confirmed by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("confirmed dormancy reason")
        verbose_name_plural = _("confirmed dormancy reasons")
        indexes = [models.Index(fields=["reason"], name="confirmedreason_reason_idx")]

    def __str__(self):
        return f"{self.customer_id}: {self.reason}"
