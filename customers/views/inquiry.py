"""The public inquiry form (/inquiry/), its double opt-in confirmation page, and the maintainer's review queue.

The form and the confirmation page need no login; the form has a honeypot field and a per-IP rate limit against
spam. The review queue (/inquiry/review/) is for the roles allowed "inquiries.review".
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.client_ip import client_ip
from crm.permissions import require
from customers.forms import InquiryForm
from customers.inquiry import consent, review, selectors
from customers.inquiry.services import inquiry_rate_limited, inquiry_submit
from customers.models import Inquiry

QUEUE_PAGE_SIZE = 25


def _thanks_url(asked_for_consent):
    # Depends only on what the sender ticked, never on whether the address is known.
    return reverse("inquiry:thanks") + ("?consent=1" if asked_for_consent else "")


@login_not_required
@require_http_methods(["GET", "POST"])
def inquiry_form(request):
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        if inquiry_rate_limited(ip):
            return render(request, "customers/inquiry_form.html", {"form": form, "rate_limited": True}, status=429)
        if form.is_spam:
            # Look successful to the bot so it does not adapt; nothing is stored.
            return redirect(_thanks_url(bool(request.POST.get("consent"))))
        if form.is_valid():
            data = form.cleaned_data
            inquiry_submit(name=data["name"], company=data["company"], email=data["email"], phone=data["phone"],
                           message=data["message"], has_consent=data["consent"], ip=ip,
                           site_url=request.build_absolute_uri("/"), language=translation.get_language())  # fmt: skip
            return redirect(_thanks_url(data["consent"]))
    return render(request, "customers/inquiry_form.html", {"form": form})


@login_not_required
@require_GET
def inquiry_thanks(request):
    return render(request, "customers/inquiry_thanks.html", {"asked_for_consent": request.GET.get("consent") == "1"})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def inquiry_confirm_consent(request, token):
    """GET shows what the button will do; POST (CSRF-protected) records the consent."""
    try:
        inquiry = consent.inquiry_for_consent_token(token)
    except consent.InvalidConsentLink as error:
        return render(request, "customers/inquiries/confirm_invalid.html", {"expired": error.expired}, status=400)
    if request.method == "POST":
        state = consent.inquiry_consent_confirm(inquiry=inquiry)
    else:
        state = consent.consent_link_state(inquiry)
    status = 409 if state == consent.LinkState.NOT_APPLICABLE else 200
    return render(request, "customers/inquiries/confirm.html", {"state": state.value, "token": token}, status=status)


@require_GET
def inquiry_review_queue(request):
    require(request.user, "inquiries.review")
    page = Paginator(selectors.inquiry_review_queue(), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "reviewed": selectors.inquiries_recently_reviewed()}
    return render(request, "customers/inquiries/review_queue.html", context)


@require_POST
def inquiry_review_decide(request, pk):
    """Accept or reject one unverified inquiry; back to the queue or the card it was decided on."""
    require(request.user, "inquiries.review")
    inquiry = get_object_or_404(Inquiry.objects.select_related("customer__merged_into"), pk=pk)
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            review.inquiry_accept(inquiry=inquiry, by=request.user)
            messages.success(request, _("Accepted: the inquiry is now a touchpoint on %(customer)s.") % {
                "customer": inquiry.customer})  # fmt: skip
        elif decision in Inquiry.RejectionReason.values and decision:
            review.inquiry_reject(inquiry=inquiry, by=request.user, reason=decision)
            messages.success(request, _("Rejected: nothing was recorded on the customer."))
        else:
            return HttpResponseBadRequest(_("Unknown decision."))
    except review.InquiryAlreadyReviewed:
        messages.warning(request, _("This inquiry has already been reviewed."))
    except review.InquiryWithoutCustomer:
        messages.error(request, _("The customer this inquiry matched no longer exists; it can only be rejected."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("inquiry:review_queue")
    return redirect(next_url)
