"""Services of a campaign's steps (the sequence editor): managers only (`campaigns.manage`, checked on the campaign
as stored). A draft's steps can be added, changed, removed and reordered; a running playbook's steps keep their
order (its customers stand at a position) but their texts, waits, conditions and capacity can be changed."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crm.permissions import require

from .models import Campaign, CampaignStep

ACTION = "campaigns.manage"
EDITABLE = ("channel", "wait_days", "condition", "is_key_accounts_only", "weekly_capacity_per_rep", "subject", "body")


def _stored_campaign(campaign_id, by, *, structure):
    stored = Campaign.objects.select_for_update().get(pk=campaign_id)
    require(by, ACTION, stored)
    if stored.is_draft:
        return stored
    if not structure and stored.kind == Campaign.Kind.PLAYBOOK:
        return stored
    raise ValidationError(_("Only a draft's steps can be changed this way; this campaign has been launched."))


def _sync_channel(campaign):
    """The campaign's channel is its first step's channel."""
    first = campaign.steps.order_by("position").values_list("channel", flat=True).first()
    if first and first != campaign.channel:
        Campaign.objects.filter(pk=campaign.pk).update(channel=first)


def _checked(step):
    step.full_clean(exclude=["campaign"])
    return step


@transaction.atomic
def campaign_step_add(*, campaign, by, **fields):
    stored = _stored_campaign(campaign.pk, by, structure=True)
    position = (stored.steps.aggregate(n=Max("position"))["n"] or 0) + 1
    step = _checked(CampaignStep(campaign=stored, position=position, **fields))
    step.save()
    _sync_channel(stored)
    return step


@transaction.atomic
def campaign_step_update(*, step, by, **fields):
    stored_step = CampaignStep.objects.select_for_update().get(pk=step.pk)
    campaign = _stored_campaign(stored_step.campaign_id, by, structure=False)
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ValueError(f"not editable: {name}")
        setattr(stored_step, name, value)
    _checked(stored_step).save()
    _sync_channel(campaign)
    return stored_step


@transaction.atomic
def campaign_step_delete(*, step, by):
    stored_step = CampaignStep.objects.select_for_update().get(pk=step.pk)
    campaign = _stored_campaign(stored_step.campaign_id, by, structure=True)
    if campaign.steps.count() <= 1:
        raise ValidationError(_("A campaign keeps at least one step."))
    position = stored_step.position
    stored_step.delete()
    # Close the gap one row at a time, lowest first: each moves into a free position.
    for later in campaign.steps.filter(position__gt=position).order_by("position"):
        CampaignStep.objects.filter(pk=later.pk).update(position=later.position - 1)
    _sync_channel(campaign)


@transaction.atomic
def campaign_step_move(*, step, by, up):
    """Swap the step with the one before (up) or after it; nothing at either end."""
    stored_step = CampaignStep.objects.select_for_update().get(pk=step.pk)
    campaign = _stored_campaign(stored_step.campaign_id, by, structure=True)
    other = campaign.steps.filter(position=stored_step.position + (-1 if up else 1)).first()
    if other is None:
        return stored_step
    a, b = stored_step.position, other.position
    CampaignStep.objects.filter(pk=stored_step.pk).update(position=0)  # a free slot: positions start at 1
    CampaignStep.objects.filter(pk=other.pk).update(position=a)
    CampaignStep.objects.filter(pk=stored_step.pk).update(position=b)
    _sync_channel(campaign)
    stored_step.refresh_from_db()
    return stored_step
