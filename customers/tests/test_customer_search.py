"""One search box (code, name, kana, phone in any spelling) and the navbar's phone look-up."""
import pytest
from django.urls import reverse

from customers import selectors
from customers.models import Contact, Customer


@pytest.fixture
def yamada(db):
    return Customer.objects.create(code="C0001", name="株式会社山田建材", name_kana="ヤマダケンザイ", phone="03-1234-5678")


@pytest.fixture
def others(db):
    suzuki = Customer.objects.create(code="C0003", name="有限会社 鈴木工務店", name_kana="スズキコウムテン", phone="045-987-6543")
    green = Customer.objects.create(code="C0007", name="㈱グリーンフーズ", name_kana="グリーンフーズ", phone="06-6000-1111")
    return suzuki, green


def codes(queryset):
    return sorted(c.code for c in queryset)


@pytest.mark.parametrize("query", ["ヤマダ", "山田建材", "０３－１２３４－５６７８", "0312345678", "やまだ", "ﾔﾏﾀﾞ", "山田",
                                   "(株)山田建材", "c0001", "03-1234", "山田建"])  # fmt: skip
def test_it_finds_yamada_by_every_spelling(yamada, others, query):
    assert codes(selectors.customer_list(query=query)) == ["C0001"]


def test_it_matches_short_names_only_at_the_start(yamada, others):
    assert codes(selectors.customer_list(query="材")) == []  # 1-2 characters: prefix only
    assert codes(selectors.customer_list(query="建材")) == []
    assert codes(selectors.customer_list(query="山田建")) == ["C0001"]


def test_it_finds_a_customer_by_a_contacts_phone(yamada, others):
    suzuki, _green = others
    Contact.objects.create(customer=suzuki, name="鈴木 一郎", mobile="090-5555-6666")
    assert codes(selectors.customer_list(query="09055556666")) == ["C0003"]
    assert [c.code for c in selectors.customers_for_phone("０９０（５５５５）６６６６")] == ["C0003"]


def test_it_prefers_exact_phone_matches_over_prefixes(yamada, db):
    Customer.objects.create(code="C0099", name="別会社", phone="03-1234-56789")  # a longer number with the same start
    assert [c.code for c in selectors.customers_for_phone("03-1234-5678")] == ["C0001"]
    assert sorted(c.code for c in selectors.customers_for_phone("03-1234")) == ["C0001", "C0099"]


def test_it_hides_merged_records_from_search(yamada, db):
    dup = Customer.objects.create(code="C0002", name="(株)山田建材", phone="０３－１２３４－５６７８", merged_into=yamada)
    assert dup.phone_key == "0312345678"
    assert codes(selectors.customer_list(query="山田建材")) == ["C0001"]


class TestPhoneLookupView:
    def test_it_lands_on_the_card_for_one_match(self, client_for, rep, yamada, others):
        response = client_for(rep).get(reverse("customers:phone_lookup"), {"phone": "０３－１２３４－５６７８"})
        assert response.status_code == 302
        assert response["Location"] == reverse("customers:detail", args=[yamada.pk])

    def test_it_offers_a_choice_for_several_matches(self, client_for, rep, yamada):
        Customer.objects.create(code="C0002", name="(株)山田建材 本店", phone="03-1234-5678")
        response = client_for(rep).get(reverse("customers:phone_lookup"), {"phone": "0312345678"})
        content = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="lookup-choices"' in content
        assert "C0001" in content and "C0002" in content

    def test_it_offers_to_register_a_prospect_when_nothing_matches(self, client_for, rep, yamada):
        response = client_for(rep).get(reverse("customers:phone_lookup"), {"phone": "011-999-0000"})
        content = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="register-prospect"' in content
        assert reverse("customers:create") + "?phone=011-999-0000" in content

    def test_it_prefills_the_phone_on_the_create_form(self, client_for, rep):
        response = client_for(rep).get(reverse("customers:create"), {"phone": "０１１（２００）３０００"})
        assert response.status_code == 200
        assert 'value="011-200-3000"' in response.content.decode()

    @pytest.mark.parametrize("role", ["sales_rep", "list_maintainer", "manager", "admin"])
    def test_it_is_open_to_every_role(self, client_for, users_by_role, yamada, role):
        response = client_for(users_by_role[role]).get(reverse("customers:phone_lookup"), {"phone": "0312345678"})
        assert response.status_code == 302

    def test_it_sends_anonymous_visitors_to_login(self, client, yamada):
        response = client.get(reverse("customers:phone_lookup"), {"phone": "0312345678"})
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


class TestListView:
    def test_it_searches_and_filters_in_the_list(self, client_for, rep, yamada, others):
        suzuki, _ = others
        suzuki.prefecture, suzuki.lifecycle = "神奈川県", Customer.Lifecycle.CUSTOMER
        suzuki.save()
        client = client_for(rep)
        response = client.get(reverse("customers:list"), {"q": "０３－１２３４－５６７８"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "株式会社山田建材" in content and "鈴木工務店" not in content
        response = client.get(reverse("customers:list"), {"prefecture": "神奈川県", "lifecycle": "customer"})
        content = response.content.decode()
        assert "鈴木工務店" in content and "山田建材" not in content

    def test_it_filters_by_rep_key_account_fiscal_month_source_and_consent(self, client_for, rep, other_rep, db):
        Customer.objects.create(code="A1", name="甲商事", assigned_rep=rep, is_key_account=True, fiscal_year_end_month=3,
                                source="exhibition", has_email_consent=True)
        Customer.objects.create(code="A2", name="乙商事", assigned_rep=other_rep, fiscal_year_end_month=9, source="seminar")
        client = client_for(rep)
        for params, expected in [({"rep": rep.pk}, "甲商事"), ({"key_account": "on"}, "甲商事"),
                                 ({"fiscal_month": 9}, "乙商事"), ({"source": "seminar"}, "乙商事"),
                                 ({"consent": "email"}, "甲商事"), ({"consent": "none"}, "乙商事")]:  # fmt: skip
            content = client.get(reverse("customers:list"), params).content.decode()
            other = "乙商事" if expected == "甲商事" else "甲商事"
            assert expected in content and other not in content, params

    def test_it_filters_by_dormancy_status(self, client_for, rep, yamada, others):
        from datetime import date

        from crm.dormancy.models import CustomerDormancy

        CustomerDormancy.objects.create(customer=yamada, status="dormant", as_of=date(2026, 1, 1))
        content = client_for(rep).get(reverse("customers:list"), {"status": "dormant"}).content.decode()
        assert "山田建材" in content and "鈴木工務店" not in content

    def test_it_paginates(self, client_for, rep, db):
        Customer.objects.bulk_create([Customer(code=f"B{i:03d}", name=f"会社{i}") for i in range(30)])
        response = client_for(rep).get(reverse("customers:list"), {"page": 2})
        content = response.content.decode()
        assert "B029" in content and "B000" not in content
        assert "30" in response.context["paginator"].count.__str__()

    def test_it_answers_htmx_with_the_table_only(self, client_for, rep, yamada):
        response = client_for(rep).get(reverse("customers:list"), {"q": "ヤマダ"}, HTTP_HX_REQUEST="true")
        content = response.content.decode()
        assert response.status_code == 200
        assert "<nav" not in content.split('data-testid="customer-table"')[0]
        assert "山田建材" in content

    def test_it_shows_the_export_buttons_only_to_exporting_roles(self, client_for, rep, manager, yamada):
        assert 'data-testid="export-csv"' not in client_for(rep).get(reverse("customers:list")).content.decode()
        assert 'data-testid="export-csv"' in client_for(manager).get(reverse("customers:list")).content.decode()


@pytest.mark.postgres
def test_it_uses_the_trigram_index_for_contains_on_postgres(yamada, others):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = Customer.objects.filter(selectors.customer_search_condition("山田建材")).order_by().explain()
        phone_plan = Customer.objects.filter(selectors.customer_search_condition("03-1234")).order_by().explain()
        cursor.execute("SET enable_seqscan = on")
    assert "customer_name_key_trgm" in plan and "customer_kana_key_trgm" in plan
    assert "customer_phone_key_prefix" in phone_plan and "customer_code_prefix" in phone_plan
