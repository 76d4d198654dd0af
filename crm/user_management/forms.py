"""Forms of the user administration pages (labels in the user's language, password rules enforced)."""
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import SetPasswordForm, UsernameField
from django.utils.translation import gettext_lazy as _

from crm.roles import Role


class UserCreateForm(forms.Form):
    username = UsernameField(label=_("User name (for signing in)"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100, help_text=_("e.g. 佐藤 一郎"))
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())  # fmt: skip
    password2 = forms.CharField(label=_("Password (again)"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))  # fmt: skip

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is already taken."))
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = get_user_model()(username=cleaned.get("username", ""), email=cleaned.get("email", ""),
                                         display_name=cleaned.get("display_name", ""))  # fmt: skip
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Active (may sign in)"), required=False,
                                   help_text=_("Clear to deactivate: the user can no longer sign in, and their name "
                                               "stays on what they recorded."))  # fmt: skip


class UserPasswordForm(SetPasswordForm):
    """Django's own form: the same password rules as everywhere else."""
