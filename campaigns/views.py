"""Campaign screens: the year calendar, demand seasons, the segment builder with its preview, campaigns.

Everyone may look; only `campaigns.manage` (managers, administrators) creates, changes, copies and launches.
"""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.permissions import can, permission_required, require

from . import segments, selectors, sequence_selectors, services
from .forms import CampaignForm, ContactPolicyForm, DemandSeasonForm, SegmentForm
from .models import Campaign, ContactPolicy, DemandSeason, Segment

VIEW, MANAGE = "customers.view", "campaigns.manage"


def _apply_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- calendar ---------------------------------------------------------------------------------------------------

@require_GET
@permission_required(VIEW)
def calendar(request, year=None):
    year = year or timezone.localdate().year
    context = selectors.year_calendar(year=year)
    context.update(previous_year=year - 1, next_year=year + 1, may_manage=can(request.user, MANAGE))
    return render(request, "campaigns/calendar.html", context)


# --- frequency cap ---------------------------------------------------------------------------------------------

@permission_required(VIEW)
def contact_policy(request):
    """Everyone may read the cap (it explains why a customer was left out); managers change it."""
    may_manage = can(request.user, MANAGE)
    policy = ContactPolicy.current()
    form = ContactPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST":
        require(request.user, MANAGE)
        if form.is_valid():
            try:
                services.contact_policy_update(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The frequency cap was saved."))
                return redirect("campaigns:contact_policy")
    if not may_manage:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "campaigns/contact_policy.html", {"form": form, "policy": policy, "may_manage": may_manage})


# --- demand seasons -----------------------------------------------------------------------------------------------

@permission_required(VIEW)
def season_list(request):
    may_manage = can(request.user, MANAGE)
    form = DemandSeasonForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        require(request.user, MANAGE)
        if form.is_valid():
            try:
                season = services.demand_season_create(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Season “%(name)s” added.") % {"name": season.name})
                return redirect("campaigns:seasons")
    return render(request, "campaigns/seasons.html",
                  {"seasons": DemandSeason.objects.all(), "form": form, "may_manage": may_manage})


@permission_required(MANAGE)
def season_edit(request, pk):
    season = get_object_or_404(DemandSeason, pk=pk)
    form = DemandSeasonForm(request.POST or None, instance=season)
    if request.method == "POST" and form.is_valid():
        try:
            services.demand_season_update(season=season, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Season saved."))
            return redirect("campaigns:seasons")
    return render(request, "campaigns/season_edit.html", {"season": season, "form": form})


@require_POST
@permission_required(MANAGE)
def season_delete(request, pk):
    season = get_object_or_404(DemandSeason, pk=pk)
    services.demand_season_delete(season=season, by=request.user)
    messages.success(request, _("Season “%(name)s” deleted.") % {"name": season.name})
    return redirect("campaigns:seasons")


# --- segments -------------------------------------------------------------------------------------------------------

@require_GET
@permission_required(VIEW)
def segment_list(request):
    return render(request, "campaigns/segments.html", {
        "segments": Segment.objects.select_related("owner"), "may_manage": can(request.user, MANAGE)})


@permission_required(MANAGE)
def segment_edit(request, pk=None):
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    form = SegmentForm(request.POST or None, segment=segment)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["name"]:
            form.add_error("name", _("Name the segment to save it."))
        else:
            try:
                if segment is None:
                    segment = services.segment_create(name=form.cleaned_data["name"], filters=form.filters(),
                                                      by=request.user)
                else:
                    services.segment_update(segment=segment, name=form.cleaned_data["name"],
                                            filters=form.filters(), by=request.user)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Segment “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
                return redirect("campaigns:segment_edit", pk=segment.pk)
    return render(request, "campaigns/segment_form.html", {"segment": segment, "form": form})


@require_POST
@permission_required(MANAGE)
def segment_preview(request):
    """HTMX: the builder's current filters previewed for the chosen channel, before anything is saved."""
    form = SegmentForm(request.POST)
    context = {"form": form}
    if form.is_valid():
        aud = segments.audience(filters=form.filters(), channel=form.cleaned_data["channel"])
        context["preview"] = segments.preview(aud)
    return render(request, "campaigns/_preview.html", context)


# --- campaigns ------------------------------------------------------------------------------------------------------

@permission_required(MANAGE)
def campaign_edit(request, pk=None):
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    if campaign is not None and not campaign.is_draft:
        messages.error(request, _("Only a draft can be changed; this campaign has been launched."))
        return redirect(campaign)
    initial = {}
    if campaign is None and request.GET.get("starts_on"):
        initial["starts_on"] = request.GET["starts_on"]
    form = CampaignForm(request.POST or None, instance=campaign, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if campaign is None:
                campaign = services.campaign_create(by=request.user, **form.service_fields())
            else:
                campaign = services.campaign_update(campaign=campaign, by=request.user, **form.service_fields())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Campaign “%(name)s” saved as a draft.") % {"name": campaign.name})
            return redirect(campaign)
    return render(request, "campaigns/campaign_form.html", {"campaign": campaign, "form": form})


@require_GET
@permission_required(VIEW)
def campaign_detail(request, pk):
    campaign = get_object_or_404(Campaign.objects.select_related("segment", "launched_by", "created_by"), pk=pk)
    context = {"campaign": campaign, "may_manage": can(request.user, MANAGE)}
    context.update(sequence_selectors.campaign_page_extras(campaign, request.user))  # steps, response figures
    if campaign.is_draft:
        context["preview"] = selectors.campaign_preview(campaign)
    else:
        counts = campaign.launch_counts
        context["launch"] = {
            **counts, "excluded_rows": [(name, segments.EXCLUSION_REASONS[name], n)
                                        for name, n in counts.get("excluded", {}).items()]}
    return render(request, "campaigns/campaign_detail.html", context)


@require_POST
@permission_required(MANAGE)
def campaign_launch(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    was_draft = campaign.is_draft
    campaign = services.campaign_launch(campaign=campaign, by=request.user)
    if was_draft and campaign.launched_by_id == request.user.pk:
        messages.success(request, _("Launched: %(n)d customers targeted, %(control)d held back as the control "
                                    "group.") % {"n": campaign.launch_counts["targets"],
                                                 "control": campaign.launch_counts["control"]})
    else:
        messages.info(request, _("This campaign had already been launched."))
    return redirect(campaign)


@require_POST
@permission_required(MANAGE)
def campaign_copy(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    copy = services.campaign_copy_to_next_year(campaign=campaign, by=request.user)
    messages.success(request, _("Copied to next year as a draft."))
    return redirect(copy)
