"""Reads for the sequence parts of the campaign page and the customer card's campaigns panel."""
from crm.permissions import can

from . import response
from .models import Campaign, CampaignTarget, StepExecution
from .sequences import SKIP_REASONS
from .step_forms import StepForm


def campaign_page_extras(campaign, user):
    """The steps (with the editor for a manager: a draft's steps, or a playbook's texts) and, once launched, the
    response figures."""
    may_manage = can(user, "campaigns.manage")
    extras = {
        "steps": list(campaign.steps.order_by("position")),
        "may_edit_steps": may_manage and (campaign.is_draft or campaign.kind == Campaign.Kind.PLAYBOOK),
        "may_restructure_steps": may_manage and campaign.is_draft,
    }
    if extras["may_restructure_steps"]:
        extras["step_form"] = StepForm()
    if not campaign.is_draft:
        extras["response"] = response.campaign_response(campaign)
    return extras


PANEL_LIMIT = 10


def customer_campaigns_panel(customer, user):
    """The customer's campaigns (where he stands in each sequence) and the steps executed for him: two queries.
    The contacts those steps made and his feedback answers are Touchpoints: the card's timeline shows them."""
    targets = list(CampaignTarget.objects.filter(customer_id=customer.pk).select_related("campaign")
                   .order_by("-enrolled_at")[:PANEL_LIMIT])
    executions = list(StepExecution.objects.filter(customer_id=customer.pk).select_related("step", "campaign")
                      .order_by("-created_at")[:PANEL_LIMIT])
    for execution in executions:
        execution.skip_label = SKIP_REASONS.get(execution.skip_reason, execution.skip_reason)
    return {"targets": targets, "executions": executions}
