"""Forms of the purchases screens: the import upload and the catalogue (products, price changes, events)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import label_empty_choices
from customers.models import MarketEvent, PriceChange, Product
from customers.tabular.uploads import clean_import_upload


class PurchaseImportForm(forms.Form):
    file = forms.FileField(label=_("Purchases file (CSV or Excel)"),
                           help_text=_("Columns: customer_code, purchased_on, amount (required); product_code, "
                                       "quantity, store, order_ref, coupon_code (optional)."))
    create_missing_customers = forms.BooleanField(
        label=_("Create customers whose code is unknown"), required=False)
    create_missing_products = forms.BooleanField(label=_("Create products whose code is unknown"), required=False)

    def clean_file(self):
        return clean_import_upload(self.cleaned_data["file"])


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["code", "name", "category", "unit_price", "is_active"]


class PriceChangeForm(forms.ModelForm):
    class Meta:
        model = PriceChange
        fields = ["product", "changed_on", "old_price", "new_price", "note"]
        widgets = {"changed_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_empty_choices(self)


class MarketEventForm(forms.ModelForm):
    class Meta:
        model = MarketEvent
        fields = ["occurred_on", "kind", "description", "product", "category"]
        widgets = {"occurred_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_empty_choices(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("product") and not cleaned.get("category"):
            cleaned["category"] = cleaned["product"].category
        return cleaned
