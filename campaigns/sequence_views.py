"""Screens of sequences: the steps editor on a campaign's page, the playbooks, the response figures' CSV.

Everyone may look; only `campaigns.manage` (managers, administrators) changes steps or creates playbooks.
"""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.permissions import can, permission_required, require

from . import playbooks, response, step_services
from .models import Campaign, CampaignStep
from .step_forms import StepForm

VIEW, MANAGE = "customers.view", "campaigns.manage"


def _error_text(error):
    return " ".join(error.messages) if hasattr(error, "messages") else str(error)


@require_POST
@permission_required(MANAGE)
def step_add(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            step_services.campaign_step_add(campaign=campaign, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Step added."))
    else:
        messages.error(request, _("The step was not added: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(campaign)


@permission_required(MANAGE)
def step_edit(request, pk):
    step = get_object_or_404(CampaignStep.objects.select_related("campaign"), pk=pk)
    form = StepForm(request.POST or None, instance=step)
    if request.method == "POST":
        require(request.user, MANAGE, step.campaign)
        if form.is_valid():
            try:
                step_services.campaign_step_update(step=step, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Step saved."))
                return redirect(step.campaign)
    from .delivery.merge import FIELDS as merge_fields

    return render(request, "campaigns/step_edit.html", {"step": step, "form": form, "campaign": step.campaign,
                                                         "merge_fields": sorted(merge_fields.items())})


@require_POST
@permission_required(MANAGE)
def step_delete(request, pk):
    step = get_object_or_404(CampaignStep, pk=pk)
    try:
        step_services.campaign_step_delete(step=step, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(step.campaign)


@require_POST
@permission_required(MANAGE)
def step_move(request, pk, direction):
    step = get_object_or_404(CampaignStep, pk=pk)
    try:
        step_services.campaign_step_move(step=step, by=request.user, up=direction == "up")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(step.campaign)


@require_GET
@permission_required(VIEW)
def response_csv(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    data = response.response_csv(campaign)
    reply = HttpResponse(data, content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="campaign_{campaign.pk}_response_{timezone.localdate():%Y%m%d}.csv"'
    return reply


@permission_required(VIEW)
def playbook_list(request):
    may_manage = can(request.user, MANAGE)
    if request.method == "POST":
        require(request.user, MANAGE)
        created = playbooks.playbooks_default_create(by=request.user)
        messages.success(request, _("%(n)d default playbooks created.") % {"n": len(created)})
        return redirect("campaigns:playbooks")
    rows = Campaign.objects.filter(kind=Campaign.Kind.PLAYBOOK).prefetch_related("steps").order_by("playbook_reason", "pk")
    return render(request, "campaigns/playbooks.html", {"playbooks": rows, "may_manage": may_manage})
