"""Forms of field sales. They only check input; the services decide and write."""
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dormancy.models import ConfirmedReason
from crm.roles import Role
from customers.models import Customer

from .models import DailyReport, Outcome, Purpose, UpdateSuggestion, VisitSettings, VisitTask


class VisitLogForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("Date and time"),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    channel = forms.ChoiceField(label=_("Visit or call"), choices=VisitTask.Kind.choices)
    contact = forms.ModelChoiceField(label=_("Contact met"), queryset=None, required=False,
                                     empty_label=_("(nobody on the list)"))
    new_contact_name = forms.CharField(label=_("Or a new contact person"), max_length=100, required=False)
    new_contact_title = forms.CharField(label=_("Their title"), max_length=100, required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_action = forms.CharField(label=_("Next action"), max_length=300, required=False)
    next_action_on = forms.DateField(label=_("Next action on"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    confirmed_reason = forms.ChoiceField(
        label=_("Why they stopped buying (as they said)"), required=False,
        choices=[("", _("(not discussed)")), *ConfirmedReason.Reason.choices])
    reason_note = forms.CharField(label=_("In their words"), max_length=300, required=False)
    new_phone = forms.CharField(label=_("New phone number"), max_length=30, required=False)
    new_email = forms.EmailField(label=_("New e-mail"), required=False)
    new_address = forms.CharField(label=_("New address"), max_length=300, required=False)

    def __init__(self, *args, customer, task=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))
        if task is not None:
            initial.setdefault("channel", task.kind)
            initial.setdefault("purpose", task.purpose)
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("next_action_on") and not (data.get("next_action") or "").strip():
            self.add_error("next_action", _("Say what the next action is."))
        if data.get("next_action_on") and data["next_action_on"] < timezone.localdate():
            self.add_error("next_action_on", _("The next action cannot be in the past."))
        return data


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Why skip it?"), max_length=300)


class DailyReportForm(forms.ModelForm):
    class Meta:
        model = DailyReport
        fields = ["what_happened", "issues", "tomorrow_plan"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


def _reps():
    return get_user_model().objects.filter(role=Role.SALES_REP, is_active=True).order_by("username")


class CustomerCodeField(forms.CharField):
    def clean(self, value):
        code = super().clean(value).strip()
        customer = Customer.objects.filter(code=code, merged_into__isnull=True).first()
        if customer is None:
            raise forms.ValidationError(_("No customer with this code."))
        return customer


class AssignForm(forms.Form):
    customer = CustomerCodeField(label=_("Customer code"), max_length=32)
    assigned_to = forms.ModelChoiceField(label=_("Rep"), queryset=None)
    kind = forms.ChoiceField(label=_("Visit or call"), choices=VisitTask.Kind.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("What to do"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = _reps()


class SuggestionForm(forms.Form):
    """A suggested update typed in a daily report."""

    customer = CustomerCodeField(label=_("Customer code"), max_length=32)
    kind = forms.ChoiceField(label=_("What changed"), choices=UpdateSuggestion.Kind.choices)
    value = forms.CharField(label=_("New value"), max_length=300, required=False)


class VisitSettingsForm(forms.ModelForm):
    class Meta:
        model = VisitSettings
        fields = ["top_dormant_per_rep", "key_account_due_days", "due_days", "cooldown_days"]
