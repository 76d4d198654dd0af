"""Filters of the customer list; the export button reuses them so a file holds exactly what the list shows.

Every select starts with 「すべて」 (crm.forms.AllChoiceFilterSet). The "missing" filter is the list maintainer's
data-quality queue on the home page: each of its counts links here.
"""
import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from crm.choices import DormancyStatus
from crm.forms import AllChoiceFilterSet
from customers import normalize, selectors
from customers.models import Customer, Tag

CONSENT_CHOICES = [
    ("email", _("E-mail consent")),
    ("dm", _("DM consent")),
    ("phone", _("Phone consent")),
    ("none", _("No consent at all")),
]
SORT_CHOICES = [
    ("code", _("Code")),
    ("-code", _("Code (descending)")),
    ("kana", _("Name (kana)")),
    ("-updated", _("Recently updated")),
    ("last_purchase", _("Last purchase (oldest first)")),
    ("-last_purchase", _("Last purchase (newest first)")),
]
SORT_FIELDS = {
    "code": ["code"],
    "-code": ["-code"],
    "kana": ["kana_key", "code"],
    "-updated": ["-updated_at", "-pk"],
    "last_purchase": ["purchase_summary__last_purchase_on", "code"],
    "-last_purchase": ["-purchase_summary__last_purchase_on", "code"],
}
# What a live customer (not retired) lacks; retired customers are not kept up to date, so they are left out.
MISSING_CONDITIONS = {
    "phone": Q(phone_key="", mobile_key=""),
    "email": Q(email_key=""),
    "address": Q(address=""),
    "rep": Q(assigned_rep__isnull=True),
}
MISSING_CHOICES = [
    ("phone", _("No phone number")),
    ("email", _("No e-mail address")),
    ("address", _("No address")),
    ("rep", _("No rep")),
]
MONTH_CHOICES = list(MONTHS.items())  # lazy month names: 1月 … 12月 in Japanese, January … in English
PREFECTURE_CHOICES = [(p, p) for p in normalize.PREFECTURES]


class CustomerFilter(AllChoiceFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"placeholder": _("Code, name, kana or phone"), "type": "search"}),
    )
    lifecycle = django_filters.ChoiceFilter(label=_("Lifecycle"), choices=Customer.Lifecycle.choices)
    include_retired = django_filters.BooleanFilter(
        label=_("Include retired"), method="filter_include_retired", widget=forms.CheckboxInput
    )
    status = django_filters.ChoiceFilter(
        label=_("Dormancy status"), field_name="dormancy__status", choices=DormancyStatus.choices
    )
    rep = django_filters.ModelChoiceFilter(
        label=_("Rep"), field_name="assigned_rep", queryset=get_user_model().objects.filter(is_active=True)
    )
    unassigned = django_filters.BooleanFilter(
        label=_("Without rep"), method="filter_unassigned", widget=forms.CheckboxInput
    )
    tag = django_filters.ModelChoiceFilter(label=_("Tag"), field_name="tags", queryset=Tag.objects.all())
    key_account = django_filters.BooleanFilter(
        label=_("Key accounts only"), field_name="is_key_account", method="filter_key_account", widget=forms.CheckboxInput
    )
    prefecture = django_filters.ChoiceFilter(label=_("Prefecture"), choices=PREFECTURE_CHOICES)
    # ChoiceFilter (not TypedChoiceFilter) so the select starts with an empty "any month" option.
    fiscal_month = django_filters.ChoiceFilter(
        label=_("Fiscal year-end month"), field_name="fiscal_year_end_month", choices=MONTH_CHOICES
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Customer.Source.choices)
    consent = django_filters.ChoiceFilter(label=_("Consent"), choices=CONSENT_CHOICES, method="filter_consent")
    missing = django_filters.ChoiceFilter(label=_("Missing data"), choices=MISSING_CHOICES, method="filter_missing")
    sort = django_filters.ChoiceFilter(label=_("Sort by"), choices=SORT_CHOICES, method="filter_sort", empty_label=None)

    class Meta:
        model = Customer
        fields = []

    def filter_search(self, queryset, name, value):
        # The list's own order (by code) is kept: CappedPaginator reads a selective search's page from the
        # keys its count collected, and walks the code index for a broad one (see crm/pagination.py).
        return selectors.customer_search(queryset, value)

    def filter_key_account(self, queryset, name, value):
        # An unticked checkbox means "no filter", not "only non-key accounts".
        return queryset.filter(is_key_account=True) if value else queryset

    def filter_consent(self, queryset, name, value):
        if value == "none":
            return queryset.filter(has_email_consent=False, has_dm_consent=False, has_phone_consent=False)
        return queryset.filter(**{f"has_{value}_consent": True})

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORT_FIELDS.get(value, ["code"]))

    def filter_missing(self, queryset, name, value):
        return queryset.filter(MISSING_CONDITIONS[value]).exclude(lifecycle=Customer.Lifecycle.RETIRED)

    def filter_include_retired(self, queryset, name, value):
        return queryset  # read by filter_queryset: retired customers are hidden unless asked for

    @property
    def qs(self):
        # Retired customers keep their record but leave the list by default (docs/list_maintenance.md); choosing the
        # lifecycle "retired" or ticking "include retired" shows them. An unbound filter (no parameters) hides them too.
        if not hasattr(self, "_qs"):
            queryset = super().qs
            data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
            if not data.get("lifecycle") and not data.get("include_retired"):
                queryset = queryset.exclude(lifecycle=Customer.Lifecycle.RETIRED)
            self._qs = queryset
        return self._qs

    def filter_unassigned(self, queryset, name, value):
        return queryset.filter(assigned_rep__isnull=True) if value else queryset

    def filter_summary(self):
        """The active filters as a plain dict (for the export audit record)."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        summary = {}
        for key, value in self.form.cleaned_data.items():
            if value in (None, "", False):
                continue
            summary[key] = getattr(value, "pk", value)
        return summary
