"""Empty choices read in words, never "---------": 「すべて」 in filters, 「選択してください」 / 「未設定」 in edit forms
(crm.forms). Compared in English; the Japanese words are the catalogue's."""
import re

import pytest
from django.urls import reverse

from crm.forms import ALL_LABEL, CHOOSE_LABEL, NOT_SET_LABEL, AllChoiceFilterSet, label_empty_choices
from customers.forms import CustomerForm
from customers.tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def first_options(html):
    """{select name: (value, text) of its first option}."""
    found = {}
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        option = re.search(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', body)
        found[name] = (option.group(1), option.group(2).strip()) if option else None
    return found


def test_the_labels_say_all_please_choose_and_not_set():
    from django.utils import translation

    with translation.override("en"):
        assert (str(ALL_LABEL), str(CHOOSE_LABEL), str(NOT_SET_LABEL)) == ("All", "Please choose", "Not set")


class TestFilters:
    def test_every_select_of_the_customer_list_starts_with_all(self, client_for, rep, english):
        html = client_for(rep).get(reverse("customers:list")).content.decode()
        options = first_options(html)
        assert "---------" not in html
        for name in ("lifecycle", "status", "rep", "tag", "prefecture", "fiscal_month", "source", "consent", "missing"):
            assert options[name] == ("", "All"), name
        assert options["sort"] == ("code", "Code")  # the sort always has a value: no empty choice

    def test_every_select_of_the_purchase_list_starts_with_all(self, client_for, rep, english):
        ProductFactory(category="石膏ボード")
        html = client_for(rep).get(reverse("customers:purchase_list")).content.decode()
        options = first_options(html)
        assert "---------" not in html
        assert options["product"] == ("", "All") and options["category"] == ("", "All")

    def test_a_filter_keeps_an_empty_label_of_its_own(self, english):
        import django_filters

        from customers.models import Customer

        class Filter(AllChoiceFilterSet):
            kind = django_filters.ChoiceFilter(choices=Customer.Kind.choices, empty_label="Any kind")
            lifecycle = django_filters.ChoiceFilter(choices=Customer.Lifecycle.choices)

            class Meta:
                model = Customer
                fields = []

        form = Filter().form
        assert next(iter(form.fields["kind"].choices)) == ("", "Any kind")
        assert next(iter(form.fields["lifecycle"].choices)) == ("", "All")
        assert Filter.base_filters["lifecycle"].extra.get("empty_label") is None  # the class is left as declared


class TestEditForms:
    def test_optional_selects_of_the_customer_form_read_not_set(self, client_for, maintainer, english):
        html = client_for(maintainer).get(reverse("customers:create")).content.decode()
        options = first_options(html)
        assert "---------" not in html
        for name in ("assigned_rep", "source", "prefecture"):
            assert options[name] == ("", "Not set"), name
        assert options["kind"][0] == "company"  # kind and lifecycle have defaults: no empty choice

    def test_required_selects_of_the_touchpoint_form_read_please_choose(self, client_for, rep, english):
        customer = CustomerFactory(assigned_rep=rep)
        html = client_for(rep).get(customer.get_absolute_url()).content.decode()
        options = first_options(html)
        assert options["department"] == ("", "Please choose") and options["channel"] == ("", "Please choose")
        assert "---------" not in html

    def test_it_says_the_reading_is_without_the_legal_form(self, client_for, maintainer, english):
        html = client_for(maintainer).get(reverse("customers:create")).content.decode()
        assert "The reading without the legal form, e.g. ヤマダケンザイ for 株式会社山田建材." in html

    def test_label_empty_choices_leaves_a_chosen_label_alone(self, maintainer, english):
        form = CustomerForm(user=maintainer)
        form.fields["assigned_rep"].empty_label = "Nobody"
        label_empty_choices(form)
        assert form.fields["assigned_rep"].empty_label == "Nobody"


class TestCatalogueAndOverrideForms:
    def test_price_change_and_market_event_forms_name_their_empty_choice(self, english):
        from customers.purchases.forms import MarketEventForm, PriceChangeForm

        ProductFactory()
        price = PriceChangeForm()
        event = MarketEventForm()
        assert price.fields["product"].empty_label == "Please choose"
        assert event.fields["product"].empty_label == "Not set"
        assert "---------" not in str(price) + str(event)

    def test_the_dormancy_override_form_names_its_empty_tag(self, english):
        from crm.dormancy.forms import OverrideForm

        form = OverrideForm()
        assert form.fields["tag"].empty_label == "Not set" and "---------" not in str(form)
