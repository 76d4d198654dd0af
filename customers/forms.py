"""Forms of the customer screens. Validation only; saving goes through customers.services."""
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.forms import label_empty_choices
from crm.permissions import can
from crm.roles import Role
from customers import normalize
from customers.models import Contact, Customer, Touchpoint
from customers.tabular.uploads import clean_import_upload


def validate_phone(value):
    if value and not normalize.is_valid_phone(value):
        raise forms.ValidationError(_("Enter a valid Japanese phone number, e.g. 03-1234-5678."), code="phone")


def validate_postal_code(value):
    if value and not normalize.postal_key(value):
        raise forms.ValidationError(_("A postal code has seven digits, e.g. 100-0001."), code="postal_code")


def _row(*fields, cols="col-12 col-md-6 col-lg-4"):
    return Div(*[Div(Field(f), css_class=cols) for f in fields], css_class="row")


class CustomerForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Customer
        fields = [
            "code", "kind", "name", "name_kana", "lifecycle", "industry", "tags", "is_key_account", "assigned_rep",
            "fiscal_year_end_month", "source", "postal_code", "prefecture", "address", "phone", "mobile", "fax",
            "email", "website", "has_email_consent", "email_consent_method", "has_dm_consent", "dm_consent_method",
            "has_phone_consent", "phone_consent_method", "company_overview", "decision_maker", "budget",
            "competitors", "timing", "notes",
        ]  # fmt: skip
        widgets = {
            "company_overview": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "tags": forms.CheckboxSelectMultiple,
            "prefecture": forms.Select(choices=[("", "---------"), *[(p, p) for p in normalize.PREFECTURES]]),
        }
        help_texts = {
            "code": _("Leave empty to have one assigned (P000123)."),
            # Sorting and search leave a legal form out anyway (normalize.kana_key); the help says the custom.
            "name_kana": _("The reading without the legal form, e.g. ヤマダケンザイ for 株式会社山田建材."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["code"].required = False
        self.fields["phone"].validators.append(validate_phone)
        self.fields["mobile"].validators.append(validate_phone)
        self.fields["fax"].validators.append(validate_phone)
        self.fields["postal_code"].validators.append(validate_postal_code)
        rep_field = self.fields["assigned_rep"]
        rep_field.queryset = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
        # The fields a user may not change are shown disabled; customers.services refuses such changes anyway.
        if not can(user, "customers.reassign"):
            rep_field.disabled = True
            if not self.instance.pk:
                rep_field.initial = user.pk if user.role == Role.SALES_REP else None
        if not can(user, "customers.retire"):
            if self.instance.lifecycle == Customer.Lifecycle.RETIRED:
                self.fields["lifecycle"].disabled = True  # bringing a retired customer back is the same decision
            else:
                self.fields["lifecycle"].choices = [
                    c for c in self.fields["lifecycle"].choices if c[0] != Customer.Lifecycle.RETIRED
                ]
        if self.instance.pk:
            self.fields["code"].disabled = True  # other systems know the customer by its code
        label_empty_choices(self)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Basics"), _row("code", "kind", "lifecycle"), _row("name", "name_kana", "industry"),
                     _row("assigned_rep", "fiscal_year_end_month", "source"), "is_key_account", "tags"),
            Fieldset(_("Contact details"), _row("postal_code", "prefecture", "address"),
                     _row("phone", "mobile", "fax"), _row("email", "website", cols="col-12 col-md-6")),
            Fieldset(_("Consent"), HTML('<p class="small text-secondary">{}</p>'.format(
                _("When a consent changes, record how it was given or withdrawn (e.g. signed form, phone call)."))),
                _row("has_email_consent", "has_dm_consent", "has_phone_consent"),
                _row("email_consent_method", "dm_consent_method", "phone_consent_method")),
            Fieldset(_("Sales conversation"), "company_overview",
                     _row("decision_maker", "budget", "competitors", "timing", cols="col-12 col-md-6 col-lg-3"),
                     "notes"),
        )  # fmt: skip

    def clean_code(self):
        code = normalize.clean_text(self.cleaned_data.get("code", "")).upper()
        if code and not self.instance.pk and Customer.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Customer code %(code)s is already in use.") % {"code": code})
        return code

    def clean_fiscal_year_end_month(self):
        month = self.cleaned_data.get("fiscal_year_end_month")
        if month is not None and not 1 <= month <= 12:
            raise forms.ValidationError(_("The fiscal year-end month is a number from 1 to 12."))
        return month

    def clean(self):
        data = super().clean()
        if not normalize.name_key(data.get("name", "")) and data.get("name"):
            self.add_error("name", _("The name must contain more than a legal-form word."))
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "name_kana", "department", "title", "phone", "mobile", "email", "is_decision_maker",
                  "is_active", "notes"]  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(validate_phone)
        self.fields["mobile"].validators.append(validate_phone)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            _row("name", "name_kana", cols="col-12 col-md-6"), _row("department", "title", cols="col-12 col-md-6"),
            _row("phone", "mobile", "email"), "is_decision_maker", "is_active", "notes",
        )  # fmt: skip


class TouchpointForm(forms.ModelForm):
    class Meta:
        model = Touchpoint
        fields = ["department", "channel", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2, "placeholder": _("What did you learn?")})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [c for c in self.fields["channel"].choices if c[0] != Touchpoint.Channel.WEB]
        label_empty_choices(self)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(_row("department", "channel", cols="col-6"), "summary")

    def clean_summary(self):
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise forms.ValidationError(_("Write a short summary."))
        return summary


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, Shift_JIS or Excel's Unicode text) or Excel (.xlsx) with the columns code, name, "
                    "name_kana, phone, …"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xlsm,text/csv"}),
    )

    def clean_file(self):
        return clean_import_upload(self.cleaned_data["file"])


class InquiryForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    company = forms.CharField(label=_("Company name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail address"))
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False, validators=[validate_phone])
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)
    consent = forms.BooleanField(
        label=_("I agree to receive information by e-mail."),
        required=False,
        help_text=_("We first send a confirmation message to the address above; nothing else is sent until you confirm."),
    )
    # Honeypot: hidden from people by CSS, filled in by bots that complete every field.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "name", "company", _row("email", "phone", cols="col-12 col-md-6"), "message", "consent",
            Div(Field("website"), css_class="visually-hidden", aria_hidden="true"),
        )  # fmt: skip

    @property
    def is_spam(self):
        return bool(self.data.get("website"))


__all__ = ["ContactForm", "CustomerForm", "ImportUploadForm", "InquiryForm", "Submit", "TouchpointForm"]
