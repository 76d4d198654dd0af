"""Duplicate candidates found by customers.duplicates and the maintainer's decisions about them.

A pair is always stored with the smaller customer id first, so (a, b) and (b, a) are one row and a rejected pair
is found again whichever way round the engine meets it.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DuplicateCandidate(models.Model):
    """One pair the last run of the engine proposed, with its score and reasons (the review queue reads these;
    a run replaces them all, decided pairs are never written)."""

    customer_a = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    # [[msgid, {params}], ...]: translated when shown, so the queue reads in the reader's language.
    reasons = models.JSONField(_("reasons"), default=list)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        ordering = ["-score", "customer_a_id", "customer_b_id"]
        constraints = [
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="duplicate_candidate_pair_unique"),
            models.CheckConstraint(condition=Q(customer_a__lt=F("customer_b")), name="duplicate_candidate_ordered"),
        ]
        indexes = [models.Index(fields=["-score"], name="duplicate_candidate_score_idx")]

    def __str__(self):
        return f"{self.customer_a_id}-{self.customer_b_id} ({self.score})"


class DuplicatePairDecision(models.Model):
    """What the maintainer decided about a proposed pair. A rejected pair is never proposed again; an accepted one
    led to a merge (the merge itself is recorded by the merge service)."""

    class Decision(models.TextChoices):
        REJECTED = "rejected", _("Not a duplicate")
        ACCEPTED = "accepted", _("Duplicate")

    customer_a = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("duplicate decision")
        verbose_name_plural = _("duplicate decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="duplicate_decision_pair_unique"),
            models.CheckConstraint(condition=Q(customer_a__lt=F("customer_b")), name="duplicate_decision_ordered"),
        ]

    def __str__(self):
        return f"{self.customer_a_id}-{self.customer_b_id}: {self.decision}"
