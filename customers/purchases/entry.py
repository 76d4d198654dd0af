"""Entering one purchase on the customer card (an order taken on the phone, a sale at the counter).

The coupon code, if any, is checked here through customers.purchases.coupon_hooks (the coupons live in an app
above this one) and the reason shown on the form: a used, expired, other customer's or mistyped code, or a
purchase that does not meet the offer. purchase_create then redeems it in the same transaction.
"""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.permissions import permission_required
from customers.models import Customer, Product

from . import services
from .coupon_hooks import coupon_code_problem


class PurchaseEntryForm(forms.Form):
    purchased_on = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.filter(is_active=True),
                                     required=False)
    quantity = forms.DecimalField(label=gettext_lazy("Quantity"), min_value=0, max_digits=12, decimal_places=2,
                                  initial=1)
    amount = forms.IntegerField(label=gettext_lazy("Amount (yen)"), min_value=0)
    store = forms.CharField(label=gettext_lazy("Store / department / channel"), max_length=100, required=False)
    coupon_code = forms.CharField(label=gettext_lazy("Coupon code"), max_length=64, required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_purchased_on(self):
        day = self.cleaned_data["purchased_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date is in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        code = (cleaned.get("coupon_code") or "").strip()
        cleaned["coupon_code"] = code
        if code and cleaned.get("purchased_on") and cleaned.get("quantity") is not None:
            problem = coupon_code_problem(code=code, customer=self.customer, purchased_on=cleaned["purchased_on"],
                                          product=cleaned.get("product"), quantity=cleaned["quantity"])
            if problem:
                self.add_error("coupon_code", problem)
        return cleaned


@permission_required("purchases.import")
def purchase_enter(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    form = PurchaseEntryForm(request.POST or None, customer=customer,
                             initial={"purchased_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.purchase_create(by=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as exc:  # the coupon was used by someone else since the form's check
            form.add_error("coupon_code", exc.messages[0])
        else:
            messages.success(request, _("The purchase was recorded."))
            return redirect(customer)
    return render(request, "customers/purchases/entry_form.html", {"form": form, "customer": customer})
