"""Possible duplicates in a customer file, by the duplicate engine (customers.duplicates): against earlier rows of the
file and against the customers already there, with the engine's reasons, found set-based."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.customer_import import plan_for_bytes
from customers.models import Customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HEADER = "code,name,phone,email"


def check(*rows):
    return plan_for_bytes((HEADER + "\n" + "\n".join(rows) + "\n").encode(), "customers.csv")


def duplicates(plan):
    """{line: [reason, …]} of the duplicate warnings."""
    found = {}
    for warning in plan.warnings:
        if warning.column == "code":
            found.setdefault(warning.line, []).append(warning.reason)
    return found


class TestInTheFile:
    @pytest.mark.parametrize(
        ("second", "why"),
        [("B2,(株)山田建材,,", "same name"), ("B2,山田建材,０３－１２３４－５６７８,", "same name, same phone"),
         ("B2,山田建材店,,INFO@Yamada.example.jp", "name 89 % similar, same e-mail")],
    )  # fmt: skip
    def test_a_later_row_names_the_earlier_one_with_the_engines_reasons(self, second, why):
        plan = check("A1,株式会社山田建材,03-1234-5678,info@yamada.example.jp", second)
        assert duplicates(plan) == {3: [f"Possible duplicate of A1 ({why})."]}
        assert plan.is_valid

    def test_the_earlier_row_is_not_warned_about_the_later_one(self):
        plan = check("A1,山田建材,,", "A2,山田建材,,", "A3,山田建材,,")
        assert duplicates(plan) == {3: ["Possible duplicate of A1 (same name)."],
                                    4: ["Possible duplicate of A1 (same name).",
                                        "Possible duplicate of A2 (same name)."]}  # fmt: skip

    def test_another_company_sharing_a_phone_is_no_duplicate(self):
        plan = check("A1,山田建材,03-1234-5678,", "A2,鈴木商事,03-1234-5678,")
        assert duplicates(plan) == {}

    def test_a_key_shared_by_many_similar_rows_names_five_and_counts_the_rest(self):
        plan = check(*(f"A{i},山田建材,03-1234-5678," for i in range(1, 9)))
        last = duplicates(plan)[9]
        assert last[:5] == [f"Possible duplicate of A{i} (same name, same phone)." for i in range(1, 6)]
        assert last[5:] == ["Possible duplicate of 2 more records."]

    def test_rows_without_a_code_name_nobody(self):
        plan = check(",山田建材,,", "A2,山田建材,,")
        assert duplicates(plan) == {}


class TestAgainstTheCustomers:
    @pytest.fixture
    def yamada(self, db):
        customer = Customer(code="OLD1", name="株式会社山田建材", phone="03-1234-5678", email="info@yamada.example.jp")
        customer.save()
        return customer

    @pytest.mark.parametrize(
        ("row", "why"),
        [("B2,山田建材（株）,,", "same name"), ("B2,山田建材,03(1234)5678,", "same name, same phone"),
         ("B2,髙田建材,,Info@Yamada.example.jp", "name 75 % similar, same e-mail")],
    )  # fmt: skip
    def test_a_row_names_the_customer(self, yamada, row, why):
        assert duplicates(check(row)) == {2: [f"Possible duplicate of OLD1 ({why})."]}

    def test_a_customer_the_file_rewrites_is_not_a_duplicate(self, yamada):
        plan = check("OLD1,新社名,,", "B2,山田建材,03-1234-5678,")
        assert duplicates(plan) == {}

    def test_the_rows_of_the_file_come_before_the_customers(self, yamada):
        plan = check("A1,山田建材,,", "A2,山田建材,,")
        assert duplicates(plan) == {2: ["Possible duplicate of OLD1 (same name)."],
                                    3: ["Possible duplicate of A1 (same name).",
                                        "Possible duplicate of OLD1 (same name)."]}  # fmt: skip

    def test_a_common_name_in_other_places_is_no_warning(self, db):
        """Issue 17: one common name warned 14 times, once per namesake elsewhere."""
        for i in range(14):
            Customer(code=f"N{i}", name="サクラ商事", phone=f"0{i + 11}-200-{i:04d}", postal_code=f"{i + 100}-0001",
                     address=f"町{i}").save()  # fmt: skip
        plan = plan_for_bytes("code,name,phone,postal_code,address\nB1,(株)サクラ商事,03-9999-0000,999-0001,港区1-1\n"
                              .encode(), "customers.csv")  # fmt: skip
        assert duplicates(plan) == {}

    def test_hokuto_seiki_and_seiki_at_one_address_with_one_reading_is_a_warning(self, db):
        Customer(code="C0015", name="株式会社北斗精機", name_kana="ホクトセイキ", phone="011-200-3000",
                 postal_code="060-0001", address="北海道札幌市中央区北一条西2").save()  # fmt: skip
        plan = plan_for_bytes("code,name,name_kana,phone,postal_code,address\n"
                              "C0016,北斗精器株式会社,ホクトセイキ,011-200-3001,0600001,札幌市中央区北1条西2\n".encode(),
                              "customers.csv")  # fmt: skip
        [warning] = duplicates(plan)[2]
        assert warning.startswith("Possible duplicate of C0015 (") and "same reading" in warning


def test_the_check_asks_the_database_the_same_number_of_times_for_ten_rows_or_a_thousand(db):
    """Set-based: the queries do not grow with the rows (the time per row is the benchmark's business)."""
    Customer(code="OLD1", name="山田建材", phone="03-1234-5678").save()
    counts = []
    for size in (10, 1000):
        with CaptureQueriesContext(connection) as queries:
            check(*(f"A{i},会社{i % 7},03-1234-{i % 10:04d},a{i % 5}@example.jp" for i in range(size)))
        counts.append(len(queries))
    assert counts[0] == counts[1]
