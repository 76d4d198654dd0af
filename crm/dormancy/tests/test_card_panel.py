"""The dormancy panel on the customer card: registered by the engine, its data read by the card's view."""
import datetime

import pytest
from django.urls import reverse

from crm.dormancy.models import CustomerDormancy, DormancyRule, RuleCode, StatusChange
from crm.dormancy.tests.dormancy_support import AS_OF, make_customer
from customers.panels import card_panels, register_card_panel, unregister_card_panel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def dormant(rep):
    """A dormant customer matched by a default rule, with a timeline of ten status changes."""
    customer = make_customer("休眠建材", rep=rep)
    rule = DormancyRule.objects.get(code=RuleCode.INACTIVITY, tag=None, industry="")
    CustomerDormancy.objects.create(
        customer=customer, status="dormant", rule="inactivity", applied_rule=rule, reason="price",
        dormant_since=AS_OF - datetime.timedelta(days=20), days_since_last_purchase=200, priority_score=71.0,
        as_of=AS_OF,
    )
    for k in range(10):
        StatusChange.objects.create(
            customer=customer, from_status="active" if k % 2 else "dormant", to_status="dormant" if k % 2 else "active",
            rule="inactivity" if k % 2 else "", as_of=AS_OF - datetime.timedelta(days=30 * k),
        )
    return customer


class TestPanelOnTheCard:
    def test_it_shows_status_rule_reason_and_timeline(self, client_for, rep, dormant):
        response = client_for(rep).get(reverse("customers:detail", args=[dormant.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="dormancy-panel"' in html
        assert "dormant since 2026-06-10" in html
        assert "Inactivity (all customers)" in html  # the applied rule record
        assert 'data-testid="dormancy-reason"><strong>Price</strong>' in html
        assert html.count('<li data-to="') == 10

    def test_it_reads_the_panel_in_the_view(self, client_for, rep, dormant):
        response = client_for(rep).get(reverse("customers:detail", args=[dormant.pk]))
        assert response.status_code == 200
        (panel,) = [p for p in response.context["panels"] if p["name"] == "dormancy"]
        assert panel["template"] == "dormancy/partials/customer_dormancy.html"
        assert panel["data"]["dormancy"].priority_score == 71.0
        assert len(panel["data"]["timeline"]) == 10

    def test_it_keeps_the_card_with_its_panels_to_a_bounded_number_of_queries(
        self, client_for, rep, dormant, django_assert_max_num_queries
    ):
        client = client_for(rep)
        # Session, user, customer+relations, tags, contacts, touchpoints, inquiries, 2x history, history users,
        # purchases panel, dormancy panel (state with its rule, timeline): the timeline's length adds none;
        # the coupons panel's list of coupons; the visits panel's open tasks and latest visit logs (two); the
        # campaigns panel's targets and step executions (two).
        with django_assert_max_num_queries(25):
            response = client.get(reverse("customers:detail", args=[dormant.pk]))
        assert response.status_code == 200
        assert 'data-testid="dormancy-timeline"' in response.content.decode()

    def test_a_confirmed_reason_shows_above_the_inference_with_its_approach(self, client_for, rep, dormant):
        from crm.dormancy.services import confirmed_reason_record

        confirmed_reason_record(customer=dormant, reason="customer_side", note="担当者が異動", by=rep,
                                source="visit")
        html = client_for(rep).get(reverse("customers:detail", args=[dormant.pk])).content.decode()
        block = html.split('data-testid="confirmed-reason"', 1)[1].split("</div>\n", 1)[0]
        assert 'data-reason="customer_side"' in html
        assert "Change on the customer" in block and "担当者が異動" in block and "Visit" in block
        assert "differed" in html  # the scan said price

    def test_it_says_when_the_customer_was_not_scanned_yet(self, client_for, rep):
        customer = make_customer("新規建材", rep=rep)
        response = client_for(rep).get(reverse("customers:detail", args=[customer.pk]))
        assert response.status_code == 200
        assert "Not scanned yet" in response.content.decode()


class TestPanelRegistry:
    @pytest.fixture
    def managers_panel(self):
        register_card_panel(
            "test-managers", template="dormancy/partials/customer_dormancy.html",
            context=lambda customer, user: {"dormancy": None, "timeline": []}, permission="dormancy.configure",
        )
        yield
        unregister_card_panel("test-managers")

    def test_it_lists_the_dormancy_panel_once_even_if_registered_again(self, rep):
        from django.apps import apps

        apps.get_app_config("dormancy").ready()  # a second ready() (e.g. a reloaded server) replaces, not adds
        customer = make_customer(rep=rep)
        assert [p["name"] for p in card_panels(customer=customer, user=rep)].count("dormancy") == 1

    def test_it_shows_a_panel_only_to_the_roles_its_permission_allows(self, rep, manager, managers_panel):
        customer = make_customer(rep=rep)
        assert "test-managers" not in [p["name"] for p in card_panels(customer=customer, user=rep)]
        assert "test-managers" in [p["name"] for p in card_panels(customer=customer, user=manager)]
