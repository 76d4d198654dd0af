"""Coupon screens: issue the order-entry coupon from the card, print its slip, cancel a coupon. Thin: the
permission, one service, a redirect or the PDF."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Coupon
from crm.permissions import permission_required, require
from customers.models import Customer

from . import services
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
