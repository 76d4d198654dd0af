"""Forms of the dormancy screens: a rule's parameters, a new segment override, and the dormant list's filters."""
import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Tag

from .models import DormancyReason, DormancyRule, DormancyStatus, RuleCode
from .rules import PARAMETERS

HELP = {
    "days": _("Days since the last purchase."),
    "ratio_percent": _("Sales of the last 365 days at most this share of the 365 days before."),
    "amount_yen": _("Amount in yen."),
    "months_required": _("Of the 6 months before the last 3."),
    "multiplier": _("Times the customer's median interval between purchase days."),
    "min_purchase_days": _("Only customers with at least this many purchase days."),
    "is_targeted": _("When off, these customers are excluded from targeting."),
}
LIMITS = {"ratio_percent": (1, 100), "months_required": (1, 6), "days": (1, 3650)}


class DormancyRuleForm(forms.ModelForm):
    """Shows only the parameters the rule's code reads; each is required while the rule is enabled."""

    class Meta:
        model = DormancyRule
        fields = ["is_enabled", "days", "ratio_percent", "amount_yen", "months_required", "multiplier",
                  "min_purchase_days", "is_targeted"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keep = {"is_enabled", *PARAMETERS[self.instance.code]}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
            elif name in HELP:
                self.fields[name].help_text = HELP[name]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_enabled"):
            for name in PARAMETERS[self.instance.code]:
                if name in self.fields and name != "is_targeted" and cleaned.get(name) in (None, ""):
                    self.add_error(name, _("Required while the rule is enabled."))
        for name, (low, high) in LIMITS.items():
            value = cleaned.get(name)
            if name in self.fields and value is not None and not low <= value <= high:
                self.add_error(name, _("Enter a value from %(low)s to %(high)s.") % {"low": low, "high": high})
        multiplier = cleaned.get("multiplier")
        if "multiplier" in self.fields and multiplier is not None and multiplier <= 0:
            self.add_error("multiplier", _("Enter a value above zero."))
        return cleaned


class OverrideForm(forms.Form):
    code = forms.ChoiceField(label=_("Rule"), choices=RuleCode.choices)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        tag, industry = cleaned.get("tag"), (cleaned.get("industry") or "").strip()
        cleaned["industry"] = industry
        if bool(tag) == bool(industry):
            raise forms.ValidationError(_("Choose either a tag or an industry."))
        code = cleaned.get("code")
        segment = Q(tag=tag) if tag else Q(industry=industry)
        if code and DormancyRule.objects.filter(segment, code=code).exists():
            raise forms.ValidationError(_("This segment already has an override of this rule."))
        return cleaned


class DormantFilter(django_filters.FilterSet):
    """Filters of the dormant list; by default the targets (dormant and at risk), excluded ones hidden."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=_("Dormant and at risk"), method="filter_status",
        choices=[(s.value, s.label) for s in (DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST)],
    )
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=DormancyReason.choices)
    rep = django_filters.ModelChoiceFilter(
        label=_("Rep"), field_name="customer__assigned_rep", queryset=get_user_model().objects.filter(is_active=True)
    )
    tag = django_filters.ModelChoiceFilter(label=_("Tag"), field_name="customer__tags", queryset=Tag.objects.all())
    industry = django_filters.CharFilter(label=_("Industry"), field_name="customer__industry")
    key_accounts = django_filters.BooleanFilter(
        label=_("Key accounts only"), field_name="customer__is_key_account", widget=forms.CheckboxInput,
        method="filter_key",
    )
    show_excluded = django_filters.BooleanFilter(
        label=_("Show excluded"), widget=forms.CheckboxInput, method="filter_excluded"
    )
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)

    def filter_key(self, queryset, name, value):
        return queryset.filter(customer__is_key_account=True) if value else queryset

    def filter_excluded(self, queryset, name, value):
        return queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(customer__name__icontains=value) | Q(customer__code__iexact=value)) if value else queryset

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        if not data.get("status"):
            queryset = queryset.filter(status__in=[DormancyStatus.DORMANT, DormancyStatus.AT_RISK])
        if not data.get("show_excluded"):
            queryset = queryset.filter(is_excluded=False)
        return queryset

    def summary(self):
        """The filters in use, for the export audit."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {k: str(v) for k, v in self.form.cleaned_data.items() if v not in (None, "", False)}
