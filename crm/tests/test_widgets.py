"""QuickSelect writes the same <select> as Django's template-rendered Select."""
import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.test.html import parse_html

from crm.widgets import QuickSelect

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [None, "", "b"])
def test_it_renders_what_django_select_renders(value):
    choices = [("", "すべて"), ("a", "<東京>"), ("b", "大阪 & 京都"), ("近畿", [("c", "奈良"), ("d", "和歌山")])]
    attrs = {"class": "form-select", "id": "id_x", "data-q": '"quoted"'}
    quick = QuickSelect(choices=choices).render("x", value, attrs=attrs)
    django = forms.Select(choices=choices).render("x", value, attrs=attrs)
    assert parse_html(quick) == parse_html(django)
    assert ('value="b" selected' in quick) == (value == "b")


def test_a_model_choice_field_selects_the_chosen_record(rep, other_rep):
    field = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("pk"), widget=QuickSelect)
    html = field.widget.render("rep", other_rep.pk)
    assert parse_html(html) == parse_html(forms.Select(choices=field.choices).render("rep", other_rep.pk))
    assert f'<option value="{other_rep.pk}" selected>' in html
