"""The purchases list's filters: period, store, product, category and customer (selects start with 「すべて」)."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.forms import AllChoiceFilterSet
from customers.models import Product, Purchase

from . import selectors


class PurchaseFilter(AllChoiceFilterSet):
    date_from = django_filters.DateFilter(
        field_name="purchased_on", lookup_expr="gte", label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="purchased_on", lookup_expr="lte", label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    customer = django_filters.CharFilter(method="filter_customer", label=_("Customer (code or name)"))
    # Free text rather than a list: listing the distinct stores would scan every purchase line.
    store = django_filters.CharFilter(field_name="store", lookup_expr="icontains", label=_("Store / channel"))
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.order_by("code"), label=_("Product"))
    category = django_filters.ChoiceFilter(field_name="product__category", label=_("Category"), choices=[])

    class Meta:
        model = Purchase
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["category"].extra["choices"] = [(c, c) for c in selectors.product_categories()]

    def filter_customer(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(customer__code=value) | Q(customer__name__icontains=value))

    def describe(self):
        """The active filter as plain values, for the export audit."""
        if not self.form.is_valid():
            return {}
        return {k: str(getattr(v, "code", v)) for k, v in self.form.cleaned_data.items() if v not in (None, "")}
