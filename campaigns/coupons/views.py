"""Coupon screens: issue the order-entry coupon from the card, print its slip, cancel a coupon; a campaign's
coupons per step, a step's offer, issuing a step's coupons. Thin: the permission, one service or selector."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Campaign, CampaignStep, Coupon, CouponOffer
from crm.permissions import can, permission_required, require
from customers.models import Customer

from . import selectors, services
from .forms import CouponOfferForm
from .slip import coupon_slip_response


def _back_to_card(customer):
    return redirect(customer.get_absolute_url() + "#coupons-panel")


@require_POST
@permission_required("coupons.issue")
def order_entry_issue(request, customer_pk):
    customer = get_object_or_404(Customer, pk=customer_pk)
    try:
        coupon = services.coupon_issue_at_order_entry(customer=customer, by=request.user)
    except services.CouponRefused as exc:
        messages.error(request, exc.messages[0])
        return _back_to_card(customer)
    messages.success(request, _("Coupon %(code)s issued: print the slip for the customer.") % {
        "code": coupon.display_code})
    return _back_to_card(customer)


@require_GET
@permission_required("coupons.issue")
def coupon_slip(request, pk):
    coupon = get_object_or_404(Coupon.objects.select_related("customer", "product"), pk=pk)
    require(request.user, "coupons.issue", coupon.customer)
    return coupon_slip_response(coupon=coupon)


@require_POST
@permission_required("coupons.issue")
def coupon_cancel(request, pk):
    coupon = get_object_or_404(Coupon.objects.select_related("customer"), pk=pk)
    if services.coupon_cancel(coupon=coupon, by=request.user):
        messages.info(request, _("Coupon %(code)s was cancelled.") % {"code": coupon.display_code})
    return _back_to_card(coupon.customer)


@require_GET
@permission_required("customers.view")
def campaign_coupons(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    context = {"campaign": campaign, "rows": selectors.campaign_coupon_steps(campaign=campaign, today=timezone.localdate()),
               "may_manage": can(request.user, "campaigns.manage")}
    return render(request, "campaigns/coupons/campaign_coupons.html", context)


@permission_required("campaigns.manage")
def step_offer_edit(request, step_pk):
    step = get_object_or_404(CampaignStep.objects.select_related("campaign"), pk=step_pk)
    offer = CouponOffer.objects.filter(step=step).first()
    form = CouponOfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        services.coupon_offer_save(step=step, by=request.user, offer=form.save(commit=False))
        messages.success(request, _("The coupon offer was saved."))
        return redirect("campaigns:campaign_coupons", pk=step.campaign_id)
    return render(request, "campaigns/coupons/offer_form.html", {"form": form, "step": step})


@require_POST
@permission_required("campaigns.manage")
def step_coupons_issue(request, step_pk):
    step = get_object_or_404(CampaignStep.objects.select_related("campaign"), pk=step_pk)
    if not CouponOffer.objects.filter(step=step).exists():
        messages.error(request, _("This step has no coupon offer yet."))
    else:
        count = services.coupons_issue_for_campaign_step(step=step, by=request.user)
        messages.success(request, _("%(count)d coupons issued.") % {"count": count})
    return redirect("campaigns:campaign_coupons", pk=step.campaign_id)
