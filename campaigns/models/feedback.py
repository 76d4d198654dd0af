"""The customer's answer to a feedback request (the product playbook's "may we ask your opinion?" step).

The request itself is a signed link (campaigns.feedback); only the answer is stored, once per (customer, step,
round): a playbook's second round asks again.
"""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dormancy.models import ConfirmedReason
from customers.models import Touchpoint

from .core import Campaign
from .steps import CampaignStep


class FeedbackResponse(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="feedback_responses")
    step = models.ForeignKey(CampaignStep, on_delete=models.CASCADE, related_name="feedback_responses")
    round = models.PositiveSmallIntegerField(_("round"), default=1, db_default=1)  # of the customer's enrolment
    reason = models.CharField(_("why the customer stopped buying"), max_length=20,
                              choices=ConfirmedReason.Reason.choices)
    comment = models.TextField(_("comment"), blank=True)
    wants_call = models.BooleanField(_("would like a call"), default=False)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    # The answer's entry on the customer's timeline (deleting the touchpoint keeps the answer).
    touchpoint = models.OneToOneField(Touchpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")
        constraints = [models.UniqueConstraint(fields=["customer", "step", "round"], name="feedback_once_per_step")]
        indexes = [models.Index(fields=["campaign", "answered_at"], name="feedback_campaign_idx")]

    def __str__(self):
        return f"{self.customer_id}: {self.reason}"
