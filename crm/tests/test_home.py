"""The landing page per role: a rep's phone look-up, targets and touchpoints; a maintainer's imports and data-quality
queue; a manager's status counts and latest scan; an administrator's manager view plus user management.

The sections come from the apps that own their data through the registry in crm/home.py; these tests check what each
role sees, with real rows, and that each role's page reads a bounded number of queries however many rows there are.
"""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from crm.dormancy import reasons
from crm.dormancy.models import CustomerDormancy, ScanRun
from crm.dormancy.tests.dormancy_support import AS_OF, make_customer
from crm.home import home_sections, register_home_section, unregister_home_section
from crm.roles import Role
from customers.models import Customer, ImportBatch, Inquiry
from customers.tests.factories import CustomerFactory, TouchpointFactory

HOME = reverse("home")
ALL_SECTIONS = {"phone-lookup", "visits-today", "dormancy-targets", "touchpoints", "data-quality", "imports", "dormancy-overview",
                "users"}  # fmt: skip
SECTIONS_BY_ROLE = {
    Role.SALES_REP: ["phone-lookup", "visits-today", "dormancy-targets", "touchpoints"],
    Role.LIST_MAINTAINER: ["data-quality", "imports"],
    Role.MANAGER: ["dormancy-overview"],
    Role.ADMIN: ["dormancy-overview", "users"],
}


def section_html(html, name):
    """The HTML of one section of the home page."""
    return html.split(f'data-testid="home-{name}"', 1)[1].split("</section>", 1)[0]


def shown_sections(html):
    found = {name: html.find(f'data-testid="home-{name}"') for name in ALL_SECTIONS}
    return sorted((name for name, at in found.items() if at >= 0), key=found.get)


def target(rep, name, status="dormant", priority=50.0, **extra):
    customer = make_customer(name, rep=rep)
    return CustomerDormancy.objects.create(
        customer=customer, status=status, rule="inactivity", reason=extra.pop("reason", "price"),
        dormant_since=AS_OF - datetime.timedelta(days=30), days_since_last_purchase=extra.pop("days", 200),
        priority_score=priority, as_of=AS_OF, **extra,
    )


@pytest.fixture
def scan_run(db):
    """A successful scan whose stored counts differ from the (absent) CustomerDormancy rows: the page shows the run's."""
    now = timezone.now()
    return ScanRun.objects.create(
        as_of=AS_OF, started_at=now - datetime.timedelta(minutes=5), finished_at=now, outcome=ScanRun.Outcome.SUCCEEDED,
        counts={"statuses": {"active": 1500, "at_risk": 210, "dormant": 340, "lost": 95, "prospect": 80},
                "customers": 2225, "changes": {"active→dormant": 12, "active→at_risk": 9, "dormant→active": 4,
                                               "-→active": 3, "prospect→active": 2}},
    )  # fmt: skip


class TestSectionsPerRole:
    @pytest.mark.parametrize("role", list(Role))
    def test_it_shows_each_role_its_own_sections_in_order(self, client_for, users_by_role, role):
        response = client_for(users_by_role[role]).get(HOME)
        assert response.status_code == 200
        assert shown_sections(response.content.decode()) == SECTIONS_BY_ROLE[role]
        assert [s["name"] for s in response.context["sections"]] == SECTIONS_BY_ROLE[role]

    def test_a_superuser_gets_the_administrators_home_whatever_his_stored_role(self, client_for, make_user):
        boss = make_user("boss", Role.SALES_REP, is_superuser=True)
        assert shown_sections(client_for(boss).get(HOME).content.decode()) == SECTIONS_BY_ROLE[Role.ADMIN]


class TestRepHome:
    def test_it_offers_the_phone_look_up_as_the_first_field(self, client_for, rep, english):
        html = client_for(rep).get(HOME).content.decode()
        main = html.split("<main", 1)[1]
        first_input = main.split("<input", 1)[1].split(">", 1)[0]
        assert 'id="home-phone"' in first_input and "autofocus" in first_input and 'inputmode="tel"' in first_input
        assert 'action="/customers/lookup/"' in section_html(html, "phone-lookup")

    def test_it_lists_his_own_targets_by_priority_the_first_ten(self, client_for, rep, other_rep, english):
        for k in range(12):
            target(rep, f"休眠{k:02d}商事", status="at_risk" if k % 3 else "dormant", priority=float(k))
        target(rep, "除外商事", priority=99.0, is_excluded=True, exclusion_reason="one_time")
        target(rep, "稼働商事", status="active", priority=98.0)
        target(rep, "失注商事", status="lost", priority=97.0)
        target(other_rep, "他担当商事", priority=96.0)
        html = section_html(client_for(rep).get(HOME).content.decode(), "dormancy-targets")
        listed = [name for name in (f"休眠{k:02d}商事" for k in range(11, -1, -1)) if name in html]
        assert listed == [f"休眠{k:02d}商事" for k in range(11, 1, -1)]  # highest priority first, ten of twelve
        assert sorted(listed, key=html.find) == listed
        assert not any(name in html for name in ("除外商事", "稼働商事", "失注商事", "他担当商事"))
        assert f'href="/dormant/?rep={rep.pk}"' in html and "Show all 12" in html
        assert "Price" in html and "last purchase 200 days ago" in html  # reason and days, with the approach
        assert ">Inactivity</span>" in html  # the rule that made each a target
        assert html.count(str(escape(reasons.approach_for("price")))) == 10

    def test_show_all_counts_what_the_dormant_list_shows_him(self, client_for, rep, other_rep, english):
        for k in range(3):
            target(rep, f"休眠{k}商事", status="at_risk" if k else "dormant")
        target(rep, "除外商事", is_excluded=True, exclusion_reason="one_time")
        target(rep, "失注商事", status="lost")
        target(other_rep, "他担当商事")
        client = client_for(rep)
        html = section_html(client.get(HOME).content.decode(), "dormancy-targets")
        link = re.search(r'href="([^"]+)" data-testid="home-targets-all">Show all (\d+)<', html)
        listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
        assert link.group(2) == re.search(r'data-status="targets" data-count="(\d+)"', listed).group(1) == "3"

    def test_it_says_when_he_has_no_targets(self, client_for, rep, english):
        html = section_html(client_for(rep).get(HOME).content.decode(), "dormancy-targets")
        assert 'data-testid="home-targets-empty"' in html

    def test_it_lists_his_own_latest_touchpoints(self, client_for, rep, other_rep):
        customer = CustomerFactory(name="接点建材", assigned_rep=rep)
        now = timezone.now()
        for k in range(7):
            TouchpointFactory(customer=customer, author=rep, summary=f"訪問メモ{k}", occurred_at=now - datetime.timedelta(days=k))
        TouchpointFactory(customer=customer, author=other_rep, summary="他人のメモ", occurred_at=now)
        html = section_html(client_for(rep).get(HOME).content.decode(), "touchpoints")
        assert [f"訪問メモ{k}" for k in range(7) if f"訪問メモ{k}" in html] == [f"訪問メモ{k}" for k in range(5)]
        assert "他人のメモ" not in html
        assert f'href="/customers/{customer.pk}/"' in html and "接点建材" in html


class TestMaintainerHome:
    def test_it_counts_live_customers_missing_data_and_links_to_them(self, client_for, maintainer, rep, english):
        CustomerFactory(code="Q1", phone="", mobile="", email="", address="", assigned_rep=None)
        CustomerFactory(code="Q2", phone="", mobile="090-1234-5678", assigned_rep=rep)  # a mobile is a phone
        CustomerFactory(code="Q3", phone="03-1234-5678", email="", assigned_rep=rep)
        CustomerFactory(code="Q4", phone="", address="", lifecycle=Customer.Lifecycle.RETIRED)  # not kept up to date
        survivor = CustomerFactory(code="Q5", assigned_rep=rep)
        CustomerFactory(code="Q6", phone="", merged_into=survivor)  # merged away
        client = client_for(maintainer)
        html = section_html(client.get(HOME).content.decode(), "data-quality")
        counts = {key: html.split(f'data-missing="{key}"', 1)[1].split("data-count>", 1)[1].split("<", 1)[0]
                  for key in ("phone", "email", "address", "rep")}  # fmt: skip
        assert counts == {"phone": "1", "email": "2", "address": "1", "rep": "1"}
        assert 'href="/customers/?missing=phone"' in html
        # Codes as the list shows them (element text): a bare "Q2" can also occur inside a random CSRF token.
        def listed(query):
            return set(re.findall(r">\s*(Q\d)\s*<", client.get(f"/customers/?{query}").content.decode()))

        assert listed("missing=phone") == {"Q1"}
        assert listed("missing=email") == {"Q1", "Q3"}

    def test_it_counts_up_to_the_lists_cap(self, client_for, maintainer, monkeypatch):
        monkeypatch.setattr("customers.home.COUNT_CAP", 2)
        CustomerFactory.create_batch(3, phone="", mobile="")
        CustomerFactory(phone="", mobile="", email="")
        html = section_html(client_for(maintainer).get(HOME).content.decode(), "data-quality")
        assert "data-count>2+<" in html.split('data-missing="phone"', 1)[1].split("</li>", 1)[0]
        assert "data-count>1<" in html.split('data-missing="email"', 1)[1].split("</li>", 1)[0]

    def test_it_counts_the_web_inquiries_awaiting_review(self, client_for, maintainer):
        for state in ("unverified", "unverified", "accepted", "new_prospect"):
            Inquiry.objects.create(name="山本", email="a@example.jp", message="見積希望", state=state)
        html = section_html(client_for(maintainer).get(HOME).content.decode(), "data-quality")
        item = html.split('data-testid="home-unverified-inquiries"', 1)[1]
        assert 'href="/inquiry/review/"' in item and "data-count>2<" in item

    def test_it_lists_the_latest_imports_with_their_state(self, client_for, maintainer, english):
        now = timezone.now()
        for k in range(6):
            ImportBatch.objects.create(kind="customers", state="done", original_name=f"old{k}.csv", file="x.csv",
                                       created_at=now - datetime.timedelta(days=10 + k), uploaded_by=maintainer)
        failed = ImportBatch.objects.create(kind="purchases", state="failed", original_name="売上2026.xlsx",
                                            file="y.xlsx", created_at=now, error_count=3)
        done = ImportBatch.objects.create(kind="customers", state="done", original_name="顧客.csv", file="z.csv",
                                          created_at=now - datetime.timedelta(hours=1), created_count=40, updated_count=2)
        html = section_html(client_for(maintainer).get(HOME).content.decode(), "imports")
        assert html.count("data-batch=") == 5
        assert html.find("売上2026.xlsx") < html.find("顧客.csv") < html.find("old0.csv")
        assert f'href="/customers/purchases/import/{failed.pk}/"' in html and "3 errors" in html
        assert f'href="/customers/import/{done.pk}/"' in html and "40 created, 2 updated" in html
        assert 'data-state="failed"' in html and "old5.csv" not in html


class TestManagerHome:
    def test_it_shows_the_counts_the_latest_scan_stored_with_links_to_the_lists(self, client_for, manager, scan_run, english):
        html = section_html(client_for(manager).get(HOME).content.decode(), "dormancy-overview")
        counts = {s: html.split(f'data-status="{s}"', 1)[1].split("data-count>", 1)[1].split("<", 1)[0]
                  for s in ("dormant", "at_risk", "lost", "active", "prospect")}  # fmt: skip
        assert counts == {"dormant": "340", "at_risk": "210", "lost": "95", "active": "1,500", "prospect": "80"}
        assert 'href="/dormant/?status=dormant&amp;rep=&amp;show_excluded=on"' in html
        assert 'href="/customers/?status=active"' in html
        assert "21 customers went quiet" in html and "4 customers came back" in html  # a first scan's "-→" is not news
        assert "2,225 customers" in html and 'href="/dormancy/runs/"' in html
        assert 'data-testid="home-scan-failed"' not in html

    def test_it_warns_when_the_latest_run_failed_and_keeps_the_last_good_counts(self, client_for, manager, scan_run, english):
        ScanRun.objects.create(as_of=AS_OF, outcome=ScanRun.Outcome.FAILED, error="boom", finished_at=timezone.now())
        html = section_html(client_for(manager).get(HOME).content.decode(), "dormancy-overview")
        assert 'data-testid="home-scan-failed"' in html and "Failed" in html
        assert html.split('data-status="dormant"', 1)[1].split("data-count>", 1)[1].startswith("340<")

    def test_it_says_when_no_scan_has_finished(self, client_for, manager, english):
        html = section_html(client_for(manager).get(HOME).content.decode(), "dormancy-overview")
        assert 'data-testid="home-no-scan"' in html and 'data-testid="home-status-counts"' not in html


class TestAdminHome:
    def test_it_adds_user_management_to_the_managers_view(self, client_for, admin_user, rep, manager, scan_run, english):
        html = client_for(admin_user).get(HOME).content.decode()
        assert 'data-status="dormant"' in section_html(html, "dormancy-overview")
        users = section_html(html, "users")
        assert 'href="/users/"' in users and "3 active users" in users  # admin, rep, manager
        assert "Sales rep: 1" in users and "Administrator: 1" in users


class TestBoundedQueries:
    """Session, user, then each section's fixed reads: the rows shown add none."""

    def test_a_reps_home(self, client_for, rep, django_assert_max_num_queries):
        for k in range(15):
            target(rep, f"休眠{k}", priority=float(k))
            TouchpointFactory(customer=Customer.objects.get(name=f"休眠{k}"), author=rep)
        client = client_for(rep)
        with django_assert_max_num_queries(6):  # session, user, today's tasks, targets + their count, touchpoints
            response = client.get(HOME)
        assert response.status_code == 200 and response.content.decode().count("data-customer=") == 10

    def test_a_maintainers_home(self, client_for, maintainer, django_assert_max_num_queries):
        CustomerFactory.create_batch(8, phone="")
        for k in range(8):
            ImportBatch.objects.create(kind="customers", state="done", original_name=f"f{k}.csv", file="x.csv",
                                       uploaded_by=maintainer)
        client = client_for(maintainer)
        with django_assert_max_num_queries(8):  # session, user, 4 missing-data counts, inquiries, batches
            response = client.get(HOME)
        html = response.content.decode()
        assert response.status_code == 200 and html.count("data-batch=") == 5
        phone = section_html(html, "data-quality").split('data-missing="phone"', 1)[1].split("</li>", 1)[0]
        assert "data-count>8<" in phone

    def test_a_managers_home(self, client_for, manager, scan_run, django_assert_max_num_queries):
        client = client_for(manager)
        with django_assert_max_num_queries(3):  # session, user, latest run
            response = client.get(HOME)
        assert response.status_code == 200 and 'data-status="lost"' in response.content.decode()

    def test_an_admins_home(self, client_for, admin_user, scan_run, django_assert_max_num_queries):
        ScanRun.objects.create(as_of=AS_OF, outcome=ScanRun.Outcome.FAILED, finished_at=timezone.now())
        client = client_for(admin_user)
        with django_assert_max_num_queries(5):  # session, user, latest run, last good run, users per role
            response = client.get(HOME)
        html = response.content.decode()
        assert response.status_code == 200 and 'data-testid="home-scan-failed"' in html and 'href="/users/"' in html


class TestRegistry:
    @pytest.fixture
    def extra_section(self):
        register_home_section("test-extra", template="crm/home/users.html", roles={Role.MANAGER}, order=5,
                              permission="dashboard.view", context=lambda user: {"roles": [], "total": 7})
        yield
        unregister_home_section("test-extra")

    def test_it_shows_a_registered_section_to_its_roles_in_its_order(self, extra_section, manager, rep, admin_user):
        assert [s["name"] for s in home_sections(user=manager)] == ["test-extra", "dormancy-overview"]
        assert "test-extra" not in [s["name"] for s in home_sections(user=rep)]
        assert "test-extra" not in [s["name"] for s in home_sections(user=admin_user)]  # role test, not permission

    def test_it_refuses_an_unknown_permission_when_registering(self, manager):
        with pytest.raises(KeyError):
            register_home_section("test-typo", template="x.html", context=dict, permission="dashbord.view")
        assert "test-typo" not in [s["name"] for s in home_sections(user=manager)]

