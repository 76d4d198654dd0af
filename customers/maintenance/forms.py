"""Forms of the list-maintenance screens."""
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.roles import Role
from crm.widgets import QuickSelect
from customers import normalize
from customers.models import Customer, DeletionRequest, ReviewRule, Tag

from .tally import tally_scope
from .worklists import DEFAULT_STALE_MONTHS

BULK_ACTIONS = [
    ("assign_rep", _("Assign rep")),
    ("add_tag", _("Add tag")),
    ("retire", _("Retire")),
    ("keep", _("Keep (close the review flags)")),
]


class WorklistFilterForm(forms.Form):
    months = forms.IntegerField(label=_("Not updated for (months)"), min_value=1, max_value=240, required=False,
                                initial=DEFAULT_STALE_MONTHS)
    # QuickSelect: the page renders two rep selects, hundreds of options each at a large company.
    rep = forms.ModelChoiceField(label=_("Rep"), required=False, widget=QuickSelect,
                                 queryset=get_user_model().objects.filter(is_active=True))
    lifecycle = forms.ChoiceField(label=_("Lifecycle"), required=False, choices=[
        ("", _("All")), (Customer.Lifecycle.PROSPECT, Customer.Lifecycle.PROSPECT.label),
        (Customer.Lifecycle.CUSTOMER, Customer.Lifecycle.CUSTOMER.label)])
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False,
                                   choices=[("", _("All"))] + [(p, p) for p in normalize.PREFECTURES])

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("rep"):
            queryset = queryset.filter(assigned_rep=data["rep"])
        if data.get("lifecycle"):
            queryset = queryset.filter(lifecycle=data["lifecycle"])
        if data.get("prefecture"):
            queryset = queryset.filter(prefecture=data["prefecture"])
        return queryset

    def tally_scope(self):
        """The nightly tally's row for these filters (customers.maintenance.tally)."""
        data = self.cleaned_data if self.is_valid() else {}
        rep = data.get("rep")
        return tally_scope(rep_id=rep.pk if rep else None, lifecycle=data.get("lifecycle"),
                           prefecture=data.get("prefecture"))

    def stale_months(self):
        return (self.cleaned_data.get("months") if self.is_valid() else None) or DEFAULT_STALE_MONTHS


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    scope = forms.ChoiceField(choices=[("selected", _("Ticked rows")), ("all", _("Every record on this list"))],
                              initial="selected", widget=forms.RadioSelect, label=_("Apply to"))
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])
    rep = forms.ModelChoiceField(label=_("Rep"), required=False, widget=QuickSelect,
                                 queryset=get_user_model().objects.filter(is_active=True, role=Role.SALES_REP))
    tag = forms.ModelChoiceField(label=_("Tag"), required=False, queryset=Tag.objects.all())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any customer id may be posted; the view intersects them with the list.
        self.fields["ids"].valid_value = lambda value: True

    def clean(self):
        data = super().clean()
        if data.get("action") == "add_tag" and not data.get("tag"):
            self.add_error("tag", _("Choose the tag to add."))
        if data.get("scope") == "selected" and not data.get("ids"):
            raise forms.ValidationError(_("Tick at least one record, or apply to every record on the list."))
        return data


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ReviewRuleForm(forms.ModelForm):
    class Meta:
        model = ReviewRule
        fields = ["name", "kind", "months", "source_key", "is_active"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == ReviewRule.Kind.SOURCE and not data.get("source_key"):
            self.add_error("source_key", _("Name the worklist source this rule reads."))
        if data.get("kind") != ReviewRule.Kind.SOURCE and not data.get("months"):
            self.add_error("months", _("Give the number of months."))
        return data


class DeletionRequestForm(forms.ModelForm):
    class Meta:
        model = DeletionRequest
        fields = ["requested_by", "requested_on", "channel", "note"]
        widgets = {"requested_on": forms.DateInput(attrs={"type": "date"})}
