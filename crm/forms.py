"""Words for the empty choice of a select, shared by every app, instead of Django's "---------".

- In a filter the empty choice means "no filter": 「すべて」 (AllChoiceFilterSet).
- In an edit form it means "nothing chosen yet": 「選択してください」 where a value is required, 「未設定」 where the
  field may stay empty (label_empty_choices).
A filter or field that names its own empty label ("Dormant and at risk", "All reps") or has none keeps it.
"""
import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings

ALL_LABEL = _("All")
CHOOSE_LABEL = _("Please choose")
NOT_SET_LABEL = _("Not set")
DJANGO_EMPTY_LABEL = "---------"  # Django's and django-filter's default


class AllChoiceFilterSet(django_filters.FilterSet):
    """A FilterSet whose selects start with 「すべて」 (the filter not applied)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():  # this instance's copies: the class's filters stay as declared
            if not isinstance(filter_, django_filters.ChoiceFilter):
                continue
            # ChoiceFilter leaves empty_label out of extra unless given; ModelChoiceFilter sets the default.
            if filter_.extra.get("empty_label", filter_settings.EMPTY_CHOICE_LABEL) == filter_settings.EMPTY_CHOICE_LABEL:
                filter_.extra["empty_label"] = ALL_LABEL


def label_empty_choices(form):
    """Give each select of an edit form that offers Django's empty choice its words: 「選択してください」 for a
    required field, 「未設定」 for one that may stay empty. Call at the end of the form's __init__."""
    for field in form.fields.values():
        label = CHOOSE_LABEL if field.required else NOT_SET_LABEL
        if isinstance(field, forms.ModelMultipleChoiceField):
            continue  # no empty choice in a multiple select
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == DJANGO_EMPTY_LABEL:
                field.empty_label = label
        elif isinstance(field, forms.ChoiceField):
            field.choices = _relabelled(field.choices, label)
        elif isinstance(field.widget, forms.Select):  # a text field offered as a list (prefecture)
            field.widget.choices = _relabelled(field.widget.choices, label)


def _relabelled(choices, label):
    choices = list(choices)
    if choices and choices[0][0] in ("", None) and choices[0][1] == DJANGO_EMPTY_LABEL:
        return [("", label), *choices[1:]]
    return choices
