"""The public inquiry form (/inquiry/): no login, a honeypot field and a per-IP rate limit against spam."""
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm.client_ip import client_ip
from customers.forms import InquiryForm
from customers.inquiry.services import inquiry_rate_limited, inquiry_submit


@login_not_required
@require_http_methods(["GET", "POST"])
def inquiry_form(request):
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        if inquiry_rate_limited(client_ip(request)):
            return render(request, "customers/inquiry_form.html", {"form": form, "rate_limited": True}, status=429)
        if form.is_spam:
            # Look successful to the bot so it does not adapt; nothing is stored.
            return redirect("inquiry:thanks")
        if form.is_valid():
            data = form.cleaned_data
            inquiry_submit(name=data["name"], company=data["company"], email=data["email"], phone=data["phone"],
                           message=data["message"], has_consent=data["consent"])  # fmt: skip
            return redirect("inquiry:thanks")
    return render(request, "customers/inquiry_form.html", {"form": form})


@login_not_required
def inquiry_thanks(request):
    return render(request, "customers/inquiry_thanks.html")
