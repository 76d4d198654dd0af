"""The dormancy screens per role: dormant list and export (everyone / office), rules with preview, run log."""
import pytest
import time_machine
from django.urls import reverse

from crm.dormancy.models import CustomerDormancy, DormancyRule, RuleCode, ScanRun
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, customer_with, make_customer
from crm.models import ExportAudit
from crm.roles import Role
from customers.purchases.summary import refresh_purchase_summaries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English msgids; the Japanese catalogue must not change what is asserted.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


ALL_ROLES = [Role.SALES_REP, Role.LIST_MAINTAINER, Role.MANAGER, Role.ADMIN]
MANAGERS = {Role.MANAGER, Role.ADMIN}


@pytest.fixture
def scanned(rep):
    """A small book: a dormant key account, an at-risk buyer, a lost one, a small one-timer and an active one."""
    key = customer_with([200, 230, 260, 290, 320, 350, 380], amount=80_000, name="大口建設", is_key_account=True, rep=rep)
    at_risk = customer_with([150, 180, 210], name="田中工務店")
    lost = customer_with([800], name="昔の商店")
    small = customer_with([250], amount=3_000, name="一見さん")
    active = customer_with([5, 35], name="元気な会社")
    scan_dormancy(as_of=AS_OF, triggered_by="test")
    return {"key": key, "at_risk": at_risk, "lost": lost, "small": small, "active": active}


def _row(html, customer):
    """The dormant table's row of one customer."""
    return html.split(f'data-customer="{customer.code}"', 1)[1].split("</tr>", 1)[0]


class TestDormantList:
    def test_it_redirects_anonymous_visitors_to_login(self, client):
        response = client.get(reverse("dormancy:dormant_list"))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_it_lists_targets_by_priority_for_every_role(self, role, users_by_role, client_for, scanned):
        # rep="": all reps (a rep's list defaults to his own customers).
        response = client_for(users_by_role[role]).get(reverse("dormancy:dormant_list"), {"rep": ""})
        assert response.status_code == 200
        html = response.content.decode()
        assert html.index("大口建設") < html.index("田中工務店")  # more value, and quiet for less long
        assert "元気な会社" not in html  # active
        assert "昔の商店" not in html and "一見さん" not in html  # excluded by default
        # The key account bought on 7 days over 180: no known pattern. The at-risk buyer's first to last purchase
        # is 60 days: the product did not take.
        assert "Make a no-pitch call to find out why they stopped." in _row(html, scanned["key"])
        assert "Show the benefits and cases of customers" in _row(html, scanned["at_risk"])

    def test_it_shows_excluded_customers_with_the_reason_on_request(self, rep, client_for, scanned):
        response = client_for(rep).get(reverse("dormancy:dormant_list"), {"status": "lost", "show_excluded": "on", "rep": ""})
        html = response.content.decode()
        assert response.status_code == 200
        assert "昔の商店" in html and "Lost: not targeted" in html
        assert "大口建設" not in html

    def test_it_filters_by_rep(self, rep, client_for, scanned):
        response = client_for(rep).get(reverse("dormancy:dormant_list"), {"rep": rep.pk})
        html = response.content.decode()
        assert "大口建設" in html and "田中工務店" not in html

    def test_it_renders_only_the_table_for_htmx(self, rep, client_for, scanned):
        response = client_for(rep).get(reverse("dormancy:dormant_list"), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert b"<html" not in response.content and b"dormant-table" in response.content

    def test_it_keeps_queries_bounded(self, rep, client_for, scanned, django_assert_max_num_queries):
        for n in range(30):
            customer_with([300 + n], name=f"休眠{n}")
        scan_dormancy(as_of=AS_OF)
        client = client_for(rep)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("dormancy:dormant_list"), {"rep": ""})
        assert response.content.decode().count("data-customer=") == 32


class TestDormantExport:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_it_exports_for_office_roles_only(self, role, users_by_role, client_for, scanned):
        response = client_for(users_by_role[role]).get(reverse("dormancy:dormant_export"), {"format": "csv", "headers": "codes"})
        if role == Role.SALES_REP:
            assert response.status_code == 403
            assert not ExportAudit.objects.exists()
            return
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        lines = text.strip().splitlines()
        assert "dormancy_reason" in lines[0]
        assert lines[1].startswith(scanned["key"].code) and "inactivity" in lines[1]
        assert len(lines) == 3  # the two targets, in priority order
        assert response["Content-Disposition"].startswith('attachment; filename="dormant_customers_')
        audit = ExportAudit.objects.get()
        assert (audit.kind, audit.row_count, audit.user, audit.via) == ("dormant_customers", 2, users_by_role[role], "web")


class TestRules:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_it_opens_the_rules_to_managers_only(self, role, users_by_role, client_for):
        response = client_for(users_by_role[role]).get(reverse("dormancy:rules"))
        assert response.status_code == (200 if role in MANAGERS else 403)
        if role in MANAGERS:
            assert "Inactivity" in response.content.decode()

    def test_it_redirects_anonymous_visitors_to_login(self, client):
        assert client.get(reverse("dormancy:rules")).status_code == 302

    def test_it_previews_how_many_customers_would_move_without_saving(self, manager, client_for, scanned):
        rule = DormancyRule.objects.get(code=RuleCode.INACTIVITY, tag=None, industry="")
        url = reverse("dormancy:rule_edit", args=[rule.pk])
        response = client_for(manager).post(url, {"is_enabled": "on", "days": "4", "preview": "1"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "moves 1 customer from Active to Dormant" in html
        assert "moves 1 customer from At risk to Dormant" in html
        rule.refresh_from_db()
        assert rule.days == 180
        assert CustomerDormancy.objects.get(customer=scanned["active"]).status == "active"

    def test_it_shows_a_missing_default_rule_without_putting_it_back(self, manager, client_for):
        DormancyRule.objects.filter(code=RuleCode.INACTIVITY, tag=None, industry="").delete()
        response = client_for(manager).get(reverse("dormancy:rules"))
        assert response.status_code == 200
        assert 'data-testid="missing-default" data-rule="inactivity"' in response.content.decode()
        assert not DormancyRule.objects.filter(code=RuleCode.INACTIVITY).exists()  # a page view never writes

    def test_it_previews_with_a_missing_default_rule_as_the_scan_will_put_it_back(self, manager, client_for):
        customer_with([200])  # never scanned: inactive for 200 days
        refresh_purchase_summaries(as_of=AS_OF)
        DormancyRule.objects.filter(code=RuleCode.INACTIVITY, tag=None, industry="").delete()
        halved = DormancyRule.objects.get(code=RuleCode.HALVED, tag=None, industry="")
        with time_machine.travel("2026-06-30 09:00 +0900", tick=False):  # no scan yet: previewed as of today
            response = client_for(manager).post(
                reverse("dormancy:rule_edit", args=[halved.pk]),
                {"is_enabled": "on", "ratio_percent": "50", "preview": "1"},
            )
        assert response.status_code == 200
        moves = response.context["preview"]["moves"]
        assert [(m["from"], m["to"], m["count"]) for m in moves] == [("", "dormant", 1)]  # by the 180-day default
        assert not DormancyRule.objects.filter(code=RuleCode.INACTIVITY).exists()

    def test_it_saves_a_rule_and_records_who(self, manager, client_for):
        rule = DormancyRule.objects.get(code=RuleCode.HALVED, tag=None, industry="")
        response = client_for(manager).post(
            reverse("dormancy:rule_edit", args=[rule.pk]), {"is_enabled": "on", "ratio_percent": "40", "save": "1"}
        )
        assert response.status_code == 302
        rule.refresh_from_db()
        assert (rule.ratio_percent, rule.updated_by) == (40, manager)
        assert rule.history.first().history_user == manager

    def test_it_rejects_a_missing_parameter(self, manager, client_for):
        rule = DormancyRule.objects.get(code=RuleCode.HALVED, tag=None, industry="")
        response = client_for(manager).post(reverse("dormancy:rule_edit", args=[rule.pk]), {"is_enabled": "on", "save": "1"})
        assert response.status_code == 400
        assert "Required while the rule is enabled." in response.content.decode()
        rule.refresh_from_db()
        assert rule.ratio_percent == 50

    def test_it_forbids_editing_to_reps(self, rep, client_for):
        rule = DormancyRule.objects.get(code=RuleCode.HALVED, tag=None, industry="")
        response = client_for(rep).post(reverse("dormancy:rule_edit", args=[rule.pk]), {"ratio_percent": "10", "save": "1"})
        assert response.status_code == 403
        rule.refresh_from_db()
        assert rule.ratio_percent == 50

    def test_it_adds_and_deletes_an_industry_override(self, manager, client_for):
        client = client_for(manager)
        response = client.post(reverse("dormancy:rules"), {"code": "inactivity", "industry": "小売"})
        override = DormancyRule.objects.get(code=RuleCode.INACTIVITY, industry="小売")
        assert response.status_code == 302 and response["Location"] == reverse("dormancy:rule_edit", args=[override.pk])
        assert override.days == 180  # starts from the default
        assert client.post(reverse("dormancy:rules"), {"code": "inactivity", "industry": "小売"}).status_code == 400
        client.post(reverse("dormancy:rule_delete", args=[override.pk]))
        assert not DormancyRule.objects.filter(pk=override.pk).exists()

    def test_it_refuses_to_delete_a_default_rule(self, manager, client_for):
        rule = DormancyRule.objects.get(code=RuleCode.LOST, tag=None, industry="")
        client_for(manager).post(reverse("dormancy:rule_delete", args=[rule.pk]))
        assert DormancyRule.objects.filter(pk=rule.pk).exists()


class TestRuns:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_it_shows_the_run_log_to_managers_only(self, role, users_by_role, client_for, scanned):
        response = client_for(users_by_role[role]).get(reverse("dormancy:runs"))
        assert response.status_code == (200 if role in MANAGERS else 403)
        if role in MANAGERS:
            html = response.content.decode()
            assert 'data-outcome="succeeded"' in html
            # Labels in the page's language, never the raw status code.
            # The key account and the small one-timer are dormant; the label, never the raw status code.
            assert "Dormant: 2" in html and "dormant: 2" not in html

    def test_it_runs_a_scan_on_request(self, manager, client_for, django_capture_on_commit_callbacks):
        from config.celery import app

        make_customer()
        previous, app.conf.task_always_eager = app.conf.task_always_eager, True  # no worker here, even with Redis
        try:
            with (
                time_machine.travel("2026-06-30 09:00 +0900", tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                response = client_for(manager).post(reverse("dormancy:runs"))
        finally:
            app.conf.task_always_eager = previous
        assert response.status_code == 302
        run = ScanRun.objects.get()
        assert (run.outcome, run.as_of, run.triggered_by) == ("succeeded", AS_OF, "user:manager")

    def test_it_forbids_reps_to_run_a_scan(self, rep, client_for):
        assert client_for(rep).post(reverse("dormancy:runs")).status_code == 403
        assert not ScanRun.objects.exists()


class TestCustomerCard:
    def test_it_shows_status_reason_approach_timeline_and_prediction(self, rep, client_for):
        c = make_customer(name="山田建材")
        for days in range(700, 200, -50):
            buy(c, ago(days), 20_000)
        for n in range(25):
            customer_with([10 + n, 40 + n, 100 + 3 * n])
        scan_dormancy(as_of=AS_OF)
        response = client_for(rep).get(reverse("customers:detail", args=[c.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        d = CustomerDormancy.objects.get(customer=c)
        assert d.status == "dormant" and d.reason == "customer_side"
        assert f"dormant since {d.dormant_since:%Y-%m-%d}" in html
        assert "Change on the customer&#x27;s side" in html and "no-pitch call" in html
        assert 'data-testid="dormancy-timeline"' in html and 'data-to="dormant"' in html
        assert d.p_alive is not None and f"{round(d.p_alive * 100)} %" in html
        assert f"{d.next_expected_purchase_on:%Y-%m-%d}" in html
