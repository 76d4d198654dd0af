"""Customer card, create/edit, touchpoints and contacts: per role, with the database state after each write."""
from datetime import date

import pytest
from django.urls import reverse

from crm.dormancy.models import CustomerDormancy
from customers.models import Contact, Customer, CustomerPurchaseSummary, Touchpoint

from .factories import CustomerFactory

ROLES = ["sales_rep", "list_maintainer", "manager", "admin"]


@pytest.fixture
def customer(rep):
    return Customer.objects.create(code="C0001", name="株式会社山田建材", name_kana="ヤマダケンザイ",
                                   phone="03-1234-5678", assigned_rep=rep)  # fmt: skip


@pytest.fixture
def foreign_customer(other_rep):
    return Customer.objects.create(code="C0002", name="鈴木工務店", assigned_rep=other_rep)


def customer_post_data(**overrides):
    data = {"kind": "company", "name": "グリーンフーズ株式会社", "name_kana": "グリーンフーズ", "lifecycle": "prospect",
            "phone": "０６－６０００－１１１１", "postal_code": "５４１００４１", "address": "大阪府大阪市中央区北浜1-1",
            "email": "Order@GreenFoods.example.jp"}  # fmt: skip
    data.update(overrides)
    return data


class TestList:
    @pytest.fixture
    def book(self, rep, other_rep):
        """30 customers over two reps, each with a dormancy row and a purchase summary (the list shows both)."""
        customers = [CustomerFactory(code=f"L{n:03d}", assigned_rep=rep if n % 2 else other_rep) for n in range(30)]
        for n, customer in enumerate(customers):
            CustomerDormancy.objects.create(customer=customer, status="dormant" if n % 3 else "active",
                                            as_of=date(2026, 1, 1))
            CustomerPurchaseSummary.objects.create(customer=customer, last_purchase_on=date(2025, 1, 1 + n % 28),
                                                   as_of=date(2026, 1, 1))
        return customers

    def test_it_shows_a_page_in_a_bounded_number_of_queries(self, client_for, rep, book, english,
                                                             django_assert_max_num_queries):
        client = client_for(rep)
        # Six today: session, user, the capped count, the filter's reps and tags, and the page's rows with rep,
        # dormancy and summary joined. A query per row would make it 30+.
        with django_assert_max_num_queries(7):
            response = client.get(reverse("customers:list"))
        assert response.status_code == 200
        content = response.content.decode()
        assert "30 customers" in content
        table = content.split('data-testid="customer-table"')[1]
        assert table.count("<tr>") == 1 + 25  # header and a full page
        assert "L000" in table and "L024" in table and "L025" not in table
        assert "佐藤 営業" in table and "高橋 営業" in table and "2025-01-02" in table


class TestCard:
    @pytest.mark.parametrize("role", ROLES)
    def test_it_shows_the_card_to_every_role(self, client_for, users_by_role, customer, role):
        response = client_for(users_by_role[role]).get(reverse("customers:detail", args=[customer.pk]))
        content = response.content.decode()
        assert response.status_code == 200
        assert "株式会社山田建材" in content
        assert 'data-testid="touchpoint-form"' in content

    def test_it_redirects_anonymous_visitors_to_login(self, client, customer):
        response = client.get(reverse("customers:detail", args=[customer.pk]))
        assert response.status_code == 302 and reverse("login") in response["Location"]

    def test_it_answers_404_for_an_unknown_customer(self, client_for, rep):
        assert client_for(rep).get(reverse("customers:detail", args=[999999])).status_code == 404

    def test_it_shows_status_and_last_purchase_when_they_exist(self, client_for, rep, customer):
        CustomerDormancy.objects.create(customer=customer, status="at_risk", as_of=date(2026, 1, 1))
        CustomerPurchaseSummary.objects.create(customer=customer, last_purchase_on=date(2025, 11, 3), as_of=date(2026, 1, 1))
        response = client_for(rep).get(reverse("customers:detail", args=[customer.pk]))
        content = response.content.decode()
        assert "2025-11-03" in content
        assert str(CustomerDormancy(status="at_risk").get_status_display()) in content

    def test_it_shows_the_edit_button_only_to_who_may_edit(self, client_for, rep, other_rep, maintainer, customer):
        url = reverse("customers:detail", args=[customer.pk])
        assert 'data-testid="customer-edit"' in client_for(rep).get(url).content.decode()
        assert 'data-testid="customer-edit"' in client_for(maintainer).get(url).content.decode()
        assert 'data-testid="customer-edit"' not in client_for(other_rep).get(url).content.decode()

    def test_it_keeps_the_card_to_a_bounded_number_of_queries(self, client_for, rep, customer, django_assert_max_num_queries):
        for i in range(5):
            Contact.objects.create(customer=customer, name=f"担当{i}", phone=f"03-1111-222{i}")
            Touchpoint.objects.create(customer=customer, author=rep, department="sales", channel="phone", summary=f"話{i}")
            customer.notes = f"note {i}"
            customer.save()
        client = client_for(rep)
        # Session, user, customer+relations, tags, contacts, touchpoints, 2x history, history users, panels
        # (the coupons panel: one query for the customer's coupons; list maintenance: one for completeness; visits:
        # open tasks and latest visit logs; campaigns: targets and step executions).
        with django_assert_max_num_queries(26):
            response = client.get(reverse("customers:detail", args=[customer.pk]))
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="history-entry"') >= 6


class TestHistory:
    def test_it_shows_who_changed_which_field_when(self, client_for, rep, maintainer, customer):
        client = client_for(maintainer)
        response = client.post(reverse("customers:edit", args=[customer.pk]),
                               customer_post_data(name="株式会社山田建材", phone="03-9999-0000", assigned_rep=rep.pk))
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.phone == "03-9999-0000"
        record = customer.history.first()
        assert record.history_user == maintainer
        content = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        history = content.split('data-testid="history"')[1]
        assert "03-1234-5678" in history and "03-9999-0000" in history
        assert str(maintainer) in history

    def test_it_includes_contact_changes(self, client_for, rep, customer):
        contact = Contact.objects.create(customer=customer, name="山田 太郎", title="課長")
        client = client_for(rep)
        client.post(reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
                    {"name": "山田 太郎", "title": "部長", "is_active": "on"})
        content = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        history = content.split('data-testid="history"')[1]
        assert "課長" in history and "部長" in history and "山田 太郎" in history


class TestCreate:
    @pytest.mark.parametrize("role", ROLES)
    def test_it_lets_every_role_register_a_prospect(self, client_for, users_by_role, role):
        user = users_by_role[role]
        response = client_for(user).post(reverse("customers:create"), customer_post_data())
        customer = Customer.objects.get()
        assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
        assert customer.code == "P000001"
        assert customer.phone == "06-6000-1111" and customer.phone_key == "0660001111"
        assert customer.postal_code == "541-0041" and customer.prefecture == "大阪府"
        assert customer.email == "order@greenfoods.example.jp"
        assert customer.name_key == "グリーンフーズ"
        assert customer.created_by == user
        assert customer.assigned_rep == (user if role == "sales_rep" else None)

    def test_it_reports_invalid_values_in_the_form(self, client_for, rep):
        response = client_for(rep).post(
            reverse("customers:create"), customer_post_data(phone="不明", postal_code="999", fiscal_year_end_month="13")
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert {"phone", "postal_code", "fiscal_year_end_month"} <= set(errors)
        assert Customer.objects.count() == 0

    def test_it_refuses_a_code_in_use(self, client_for, maintainer, customer):
        response = client_for(maintainer).post(reverse("customers:create"), customer_post_data(code="c0001"))
        assert response.status_code == 200 and "code" in response.context["form"].errors
        assert Customer.objects.count() == 1

    def test_it_stamps_consent_when_given(self, client_for, rep):
        client_for(rep).post(reverse("customers:create"),
                             customer_post_data(has_email_consent="on", email_consent_method="名刺交換時に口頭"))
        customer = Customer.objects.get()
        assert customer.has_email_consent and customer.email_consent_changed_at is not None
        assert customer.dm_consent_changed_at is None


class TestEdit:
    def test_it_lets_a_rep_edit_his_own_account(self, client_for, rep, customer):
        response = client_for(rep).post(reverse("customers:edit", args=[customer.pk]), customer_post_data(name="山田建材"))
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.name == "山田建材" and customer.code == "C0001"

    def test_it_forbids_a_rep_to_edit_someone_elses_account(self, client_for, rep, foreign_customer):
        response = client_for(rep).post(reverse("customers:edit", args=[foreign_customer.pk]), customer_post_data())
        assert response.status_code == 403
        foreign_customer.refresh_from_db()
        assert foreign_customer.name == "鈴木工務店"

    @pytest.mark.parametrize("role", ["list_maintainer", "admin"])
    def test_it_lets_maintainers_and_admins_edit_any_account(self, client_for, users_by_role, foreign_customer, role):
        response = client_for(users_by_role[role]).post(
            reverse("customers:edit", args=[foreign_customer.pk]), customer_post_data(name="鈴木工務店 本社")
        )
        assert response.status_code == 302
        foreign_customer.refresh_from_db()
        assert foreign_customer.name == "鈴木工務店 本社"

    def test_it_forbids_a_manager_to_edit_an_account_that_is_not_his(self, client_for, manager, foreign_customer):
        assert client_for(manager).get(reverse("customers:edit", args=[foreign_customer.pk])).status_code == 403

    def test_it_does_not_let_a_rep_reassign_or_retire(self, client_for, rep, other_rep, customer):
        response = client_for(rep).post(reverse("customers:edit", args=[customer.pk]),
                                        customer_post_data(assigned_rep=other_rep.pk, lifecycle="retired"))
        assert response.status_code == 200
        assert "lifecycle" in response.context["form"].errors
        customer.refresh_from_db()
        assert customer.assigned_rep == rep and customer.lifecycle == "prospect"

    def test_it_keeps_a_retired_account_retired_when_its_rep_saves_it(self, client_for, rep, customer):
        Customer.objects.filter(pk=customer.pk).update(lifecycle="retired")
        response = client_for(rep).post(reverse("customers:edit", args=[customer.pk]),
                                        customer_post_data(name="株式会社山田建材", lifecycle="customer"))
        assert response.status_code == 302  # the field is disabled for him: the posted value is ignored
        customer.refresh_from_db()
        assert customer.lifecycle == "retired"

    def test_it_lets_the_maintainer_reassign_an_account(self, client_for, maintainer, other_rep, customer):
        response = client_for(maintainer).post(reverse("customers:edit", args=[customer.pk]),
                                               customer_post_data(name="株式会社山田建材", assigned_rep=other_rep.pk))
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.assigned_rep == other_rep

    def test_it_redirects_anonymous_visitors(self, client, customer):
        assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 302


class TestTouchpoint:
    @pytest.mark.parametrize("role", ROLES)
    def test_it_lets_anyone_add_a_touchpoint_to_any_customer(self, client_for, users_by_role, foreign_customer, role):
        user = users_by_role[role]
        response = client_for(user).post(reverse("customers:touchpoint_add", args=[foreign_customer.pk]),
                                         {"department": "maintenance", "channel": "visit", "summary": "点検時に増設の話"})
        assert response.status_code == 302
        touchpoint = Touchpoint.objects.get()
        assert (touchpoint.customer, touchpoint.author, touchpoint.department) == (foreign_customer, user, "maintenance")

    def test_it_returns_the_timeline_to_htmx(self, client_for, rep, customer):
        response = client_for(rep).post(reverse("customers:touchpoint_add", args=[customer.pk]),
                                        {"department": "sales", "channel": "phone", "summary": "見積依頼"},
                                        HTTP_HX_REQUEST="true")
        content = response.content.decode()
        assert response.status_code == 200
        assert "見積依頼" in content and "<html" not in content
        assert Touchpoint.objects.filter(customer=customer, summary="見積依頼").exists()

    def test_it_rejects_an_empty_summary(self, client_for, rep, customer):
        response = client_for(rep).post(reverse("customers:touchpoint_add", args=[customer.pk]),
                                        {"department": "sales", "channel": "phone", "summary": "  "},
                                        HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
        assert not Touchpoint.objects.exists()

    def test_it_refuses_get_and_anonymous(self, client, client_for, rep, customer):
        url = reverse("customers:touchpoint_add", args=[customer.pk])
        assert client.post(url, {"department": "sales", "channel": "phone", "summary": "x"}).status_code == 302
        assert client_for(rep).get(url).status_code == 405
        assert not Touchpoint.objects.exists()


class TestContacts:
    def test_it_lets_the_owner_add_a_contact(self, client_for, rep, customer):
        response = client_for(rep).post(reverse("customers:contact_add", args=[customer.pk]),
                                        {"name": "山田 太郎", "phone": "０３（１２３４）５６７９", "is_decision_maker": "on",
                                         "is_active": "on"})  # fmt: skip
        assert response.status_code == 302
        contact = Contact.objects.get()
        assert contact.customer == customer and contact.phone == "03-1234-5679" and contact.is_decision_maker

    @pytest.mark.parametrize(("role", "status"), [("sales_rep", 403), ("manager", 403), ("list_maintainer", 302), ("admin", 302)])
    def test_it_applies_the_edit_rule_to_contacts(self, client_for, users_by_role, foreign_customer, role, status):
        response = client_for(users_by_role[role]).post(
            reverse("customers:contact_add", args=[foreign_customer.pk]), {"name": "鈴木 次郎", "is_active": "on"}
        )
        assert response.status_code == status
        assert Contact.objects.filter(customer=foreign_customer).exists() == (status == 302)

    def test_it_marks_a_contact_as_left(self, client_for, maintainer, customer):
        contact = Contact.objects.create(customer=customer, name="山田 太郎")
        response = client_for(maintainer).post(reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
                                               {"name": "山田 太郎"})
        assert response.status_code == 302
        contact.refresh_from_db()
        assert contact.is_active is False
