"""The customer's feedback form: public (no login), reached by the signed link of a feedback request."""
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from crm.dormancy.models import ConfirmedReason

from . import feedback

# In the customer's words; the values are the confirmed reasons the rep and the dashboard read.
ANSWERS = [
    (ConfirmedReason.Reason.PRODUCT, _("The product did not meet our needs")),
    (ConfirmedReason.Reason.PRICE, _("The price")),
    (ConfirmedReason.Reason.CUSTOMER_SIDE, _("Our needs changed")),
    (ConfirmedReason.Reason.CLOSED, _("We closed the business")),
    (ConfirmedReason.Reason.MOVED, _("We moved")),
    (ConfirmedReason.Reason.OTHER, _("Something else")),
]


class FeedbackForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why did you stop ordering from us?"), choices=ANSWERS,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Anything you would like to tell us (optional)"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    wants_call = forms.BooleanField(label=_("Please call me"), required=False)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def feedback_form(request, token):
    try:
        customer, step, round_ = feedback.feedback_request_for_token(token)
    except feedback.InvalidFeedbackLink as error:
        return render(request, "campaigns/feedback/invalid.html", {"expired": error.expired}, status=400)
    if feedback.is_answered(customer=customer, step=step, round=round_):
        return render(request, "campaigns/feedback/thanks.html", {"already": True})
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feedback.feedback_answer_record(customer=customer, step=step, round=round_, **form.cleaned_data)
        except feedback.AlreadyAnswered:
            return render(request, "campaigns/feedback/thanks.html", {"already": True})
        return render(request, "campaigns/feedback/thanks.html", {"already": False})
    return render(request, "campaigns/feedback/form.html", {"form": form, "customer_name": customer.name})
