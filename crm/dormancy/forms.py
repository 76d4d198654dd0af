"""Forms of the dormancy screens: a rule's parameters, a new segment override, and the dormant list's filters."""
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from crm.forms import label_empty_choices
from customers.models import Tag

from . import selectors
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_empty_choices(self)

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


SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})


class DormantListForm(forms.Form):
    """The dormant list's query string. `status` and `sort` are chosen by the status tabs and the column headers
    (the form carries them as it is submitted); the rest are the filters."""

    q = forms.CharField(label=_("Name or code"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Dormant and at risk"))] + [(s.value, s.label) for s in selectors.LIST_STATUSES],
    )
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("All reasons")), *DormancyReason.choices], widget=SELECT
    )
    rep = forms.ModelChoiceField(
        label=_("Rep"), required=False, empty_label=_("All reps"), widget=SELECT,
        queryset=get_user_model().objects.filter(is_active=True).order_by("display_name", "username"),
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"), required=False, empty_label=_("All tags"), queryset=Tag.objects.order_by("name"), widget=SELECT
    )
    industry = forms.CharField(
        label=_("Industry"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    key_accounts = forms.BooleanField(label=_("Key accounts only"), required=False)
    show_excluded = forms.BooleanField(label=_("Show excluded"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=selectors.sort_choices)


class DormantFilter:
    """The dormant list's filters, read from the query string, and the rows and exact counts they select.

    A rep's list defaults to his own customers: without a `rep` parameter, `rep` is the signed-in rep, and
    "all reps" is `rep=` (present, empty). Lost customers are excluded from targeting by definition (unless the
    manager targets them), so the lost tab shows them all, each with the reason; the other tabs show excluded
    customers only with "Show excluded". Invalid values are ignored (the list shows what the valid ones select).
    """

    SCOPE = ("reason", "rep", "tag", "industry", "key_accounts", "q")
    FILTERS = ("reason", "rep", "tag", "industry", "key_accounts", "show_excluded")  # under "Filters"

    def __init__(self, data=None, *, user=None):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for name in ("page", "format"):
            data.pop(name, None)
        self.defaults_to_own = bool(user is not None and user.is_sales_rep and "rep" not in data)
        if self.defaults_to_own:
            data["rep"] = str(user.pk)
        self.form = DormantListForm(data)
        self.form.is_valid()
        self.values = {name: self.form.cleaned_data.get(name) for name in self.form.fields}

    @property
    def status(self):
        return self.values["status"] or ""

    @property
    def sort(self):
        return self.values["sort"] or selectors.DEFAULT_SORT

    @property
    def rep(self):
        return self.values["rep"]

    @property
    def filters_open(self):
        """Whether the "Filters" panel starts open: a filter in it is in use (a rep's own-customers default is not)."""
        return any(self.values[name] for name in self.FILTERS if name != "rep") or (
            self.values["rep"] is not None and not self.defaults_to_own
        )

    @property
    def has_scope(self):
        """Whether anything besides status, exclusion and sort narrows the list (then the counts are queried)."""
        return any(self.values[name] for name in self.SCOPE)

    def scope(self):
        v = self.values
        return selectors.dormant_scope(
            reason=v["reason"] or "", rep=v["rep"], tag=v["tag"], industry=v["industry"] or "",
            key_accounts=bool(v["key_accounts"]), q=v["q"] or "",
        )

    def statuses(self):
        return [self.status] if self.status else list(selectors.TARGET_STATUSES)

    def with_excluded(self):
        return bool(self.values["show_excluded"]) or self.status == DormancyStatus.LOST

    @property
    def qs(self):
        """The rows the list shows (and the export writes), in the list's order."""
        return selectors.dormant_rows(
            self.scope(), statuses=self.statuses(), with_excluded=self.with_excluded(), sort=self.sort
        )

    def counts(self, *, run=None):
        """[(status value, label, count)] for the status tabs, then the total of the current tab: exact."""
        counts = selectors.dormant_counts(self.scope() if self.has_scope else None, run=run)
        show_excluded = bool(self.values["show_excluded"])

        def shown(status):
            c = counts[status]
            return c.all if show_excluded or status == DormancyStatus.LOST else c.targets

        tabs = [("", _("Dormant and at risk"), sum(shown(s) for s in selectors.TARGET_STATUSES))]
        tabs += [(s.value, s.label, shown(s)) for s in selectors.LIST_STATUSES]
        total = next(n for value, _label, n in tabs if value == self.status)
        return tabs, total

    def summary(self):
        """The filters in use, for the export audit."""
        return {k: str(v) for k, v in self.values.items() if v not in (None, "", False)}
