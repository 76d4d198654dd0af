"""The form of a step's coupon offer (what its letters' and e-mails' coupons give)."""
from django import forms

from campaigns.models import CouponOffer
from crm.forms import label_empty_choices


class CouponOfferForm(forms.ModelForm):
    class Meta:
        model = CouponOffer
        fields = ["product", "category", "min_quantity", "discount_kind", "discount_value", "valid_days",
                  "valid_until"]
        widgets = {"valid_until": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_empty_choices(self)
