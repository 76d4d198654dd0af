"""The four places that ask "is this someone we know?" go through the duplicate engine: the new-customer form, the
phone look-up, the inquiry form and the import preview (customers/tests/test_import_duplicates.py has the import's
own cases)."""
import pytest
from django.urls import reverse

from customers.customer_import import plan_for_bytes
from customers.inquiry.services import match_known_customer
from customers.models import Contact, Customer, Inquiry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def hokuto(db):
    customer = Customer(code="C0015", name="株式会社北斗精機", name_kana="ホクトセイキ", phone="011-200-3000",
                        postal_code="060-0001", address="北海道札幌市中央区北一条西2")  # fmt: skip
    customer.save()
    return customer


def new_customer(**overrides):
    data = {"kind": "company", "name": "北斗精器株式会社", "name_kana": "ホクトセイキ", "lifecycle": "prospect",
            "phone": "011-200-3001", "postal_code": "0600001", "address": "札幌市中央区北1条西2"}  # fmt: skip
    data.update(overrides)
    return data


class TestNewCustomerForm:
    def test_it_asks_did_you_mean_before_a_duplicate_is_created(self, client_for, rep, hokuto):
        response = client_for(rep).post(reverse("customers:create"), new_customer())
        assert response.status_code == 200
        assert b'data-testid="did-you-mean"' in response.content and b"C0015" in response.content
        assert Customer.objects.count() == 1

    def test_it_registers_when_told_it_is_a_different_customer(self, client_for, rep, hokuto):
        response = client_for(rep).post(reverse("customers:create"), new_customer(confirm_new="1"))
        assert response.status_code == 302
        assert Customer.objects.count() == 2

    def test_a_namesake_elsewhere_is_registered_without_a_question(self, client_for, rep, hokuto):
        response = client_for(rep).post(reverse("customers:create"), new_customer(
            name="北斗精機株式会社", phone="03-5555-0000", postal_code="100-0001", address="東京都千代田区千代田1-1"))
        assert response.status_code == 302
        assert Customer.objects.count() == 2


class TestPhoneLookup:
    def test_a_number_known_only_as_a_contacts_line_is_found_before_register_as_prospect(self, client_for, rep,
                                                                                          hokuto):  # fmt: skip
        Contact.objects.create(customer=hokuto, name="北斗 太郎", mobile="090-1111-2222")
        response = client_for(rep).get(reverse("customers:phone_lookup"), {"phone": "+81 90 1111 2222"})
        assert response.status_code == 302 and response.url == hokuto.get_absolute_url()

    def test_an_unknown_number_offers_to_register_a_prospect(self, client_for, rep, hokuto):
        response = client_for(rep).get(reverse("customers:phone_lookup"), {"phone": "03-9999-0000"})
        assert b'data-testid="register-prospect"' in response.content


class TestInquiry:
    def test_a_sender_is_known_by_a_contacts_e_mail_through_the_engine(self, hokuto):
        Contact.objects.create(customer=hokuto, name="北斗 太郎", email="taro@hokuto.example.jp")
        assert match_known_customer(email="TARO@hokuto.example.jp", phone="") == (
            hokuto, Inquiry.MatchedBy.CONTACT_EMAIL)

    def test_a_sender_is_known_by_the_phone_in_international_form(self, hokuto):
        assert match_known_customer(email="", phone="+81-11-200-3000") == (hokuto, Inquiry.MatchedBy.PHONE)

    def test_a_merged_away_record_is_not_matched(self, hokuto):
        survivor = Customer(code="C9", name="北斗精機")
        survivor.save()
        Customer.objects.filter(pk=hokuto.pk).update(merged_into=survivor)
        assert match_known_customer(email="", phone="011-200-3000") == (None, Inquiry.MatchedBy.NONE)


class TestImportPreview:
    def test_it_warns_about_hokuto_seiki_and_seiki_at_one_address(self, hokuto):
        plan = plan_for_bytes(
            "code,name,name_kana,phone,postal_code,address\nC0016,北斗精器株式会社,ホクトセイキ,011-200-3001,0600001,"
            "札幌市中央区北1条西2\n".encode(), "customers.csv")  # fmt: skip
        [warning] = [w for w in plan.warnings if w.column == "code"]
        assert "C0015" in warning.reason
