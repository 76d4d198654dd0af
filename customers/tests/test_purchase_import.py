"""The purchases importer: the sample's bad rows, atomicity, only-valid imports, idempotent re-import,
creating missing customers, every accepted format, and the PostgreSQL COPY path."""
import codecs
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import Workbook

from customers.models import Customer, CustomerPurchaseSummary, Purchase
from customers.purchases import importer as importer_module
from customers.purchases import staging
from customers.purchases.importer import purchases_import
from customers.tabular import TableError

from .purchase_fixtures import sample_bytes, sample_customers, sample_products  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
AFTER_ALL_SAMPLE_DATES = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.UTC)
SAMPLE_TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
HEADER = "customer_code,purchased_on,product_code,quantity,amount,store,order_ref,coupon_code\n"


def csv_bytes(*lines, encoding="utf-8"):
    return (HEADER + "\n".join(lines) + "\n").encode(encoding)


@pytest.fixture
def after_sample():
    with time_machine.travel(AFTER_ALL_SAMPLE_DATES, tick=False):
        yield


@pytest.fixture
def catalogue(sample_customers, sample_products):  # noqa: F811
    return sample_customers, sample_products


class TestSampleFile:
    def test_it_reports_exactly_the_four_bad_rows_with_line_column_value_and_reason(
        self, after_sample, catalogue, sample_bytes  # noqa: F811
    ):
        result = purchases_import(data=sample_bytes, filename="purchases_messy_cp932.csv")

        assert result.encoding == "cp932"
        assert (result.total_rows, result.valid_rows, result.error_rows) == (131, 127, 4)
        assert [(e["line"], e["column"], e["value"]) for e in result.errors] == [
            (129, "customer_code", "C9999"),
            (130, "purchased_on", "2025-02-30"),
            (131, "quantity", "-"),
            (132, "amount", ""),
        ]
        reasons = [e["reason"] for e in result.errors]
        assert "No customer has this code" in reasons[0]
        assert reasons[1:] == ["The date does not exist.", "The quantity is not a number.", "The amount is missing."]
        assert not result.written
        assert Purchase.objects.count() == 0
        assert CustomerPurchaseSummary.objects.count() == 0

    def test_it_reports_the_future_dated_row_on_the_real_today(self, catalogue, sample_bytes):  # noqa: F811
        with time_machine.travel(SAMPLE_TODAY, tick=False):
            result = purchases_import(data=sample_bytes, filename="purchases.csv")

        assert result.error_rows == 5
        future = [e for e in result.errors if e["reason"] == "The date is in the future."]
        assert future == [{"line": 74, "column": "purchased_on", "value": "20261223",
                           "reason": "The date is in the future."}]
        assert Purchase.objects.count() == 0

    def test_it_imports_only_the_valid_rows_when_asked_and_returns_the_rejected_ones(
        self, after_sample, catalogue, sample_bytes  # noqa: F811
    ):
        result = purchases_import(data=sample_bytes, filename="purchases.csv", only_valid=True)

        assert result.written and result.created == 127
        assert Purchase.objects.count() == 127
        assert not Purchase.objects.filter(order_ref__in=["ORD-90001", "ORD-90002", "ORD-90003", "ORD-90004"]).exists()
        rejected = result.rejected_csv.decode("utf-8-sig").splitlines()
        assert rejected[0] == "line,customer_code,purchased_on,product_code,quantity,amount,store,order_ref,coupon_code,reason"
        assert [line.split(",")[0] for line in rejected[1:]] == ["129", "130", "131", "132"]
        assert "The date does not exist." in rejected[2]
        assert CustomerPurchaseSummary.objects.count() == 18

    def test_it_stores_the_parsed_values_of_messy_cells(self, after_sample, catalogue, sample_bytes):  # noqa: F811
        purchases_import(data=sample_bytes, filename="purchases.csv", only_valid=True)

        full_width = Purchase.objects.get(order_ref="ORD-00002")  # C0001,2023/9/7,P-100,3,２９４０,本店
        assert (full_width.customer.code, full_width.purchased_on, full_width.amount) == ("C0001", dt.date(2023, 9, 7), 2940)
        assert (full_width.product.code, full_width.quantity, full_width.store) == ("P-100", Decimal(3), "本店")
        yen_sign = Purchase.objects.get(order_ref="ORD-00011")  # 20230919, "￥46,200"
        assert (yen_sign.purchased_on, yen_sign.amount) == (dt.date(2023, 9, 19), 46200)
        assert Purchase.objects.get(order_ref="ORD-00005").amount == 18620  # "18,620"

    def test_it_adds_nothing_when_the_same_file_is_imported_again(self, after_sample, catalogue, sample_bytes):  # noqa: F811
        purchases_import(data=sample_bytes, filename="purchases.csv", only_valid=True)
        again = purchases_import(data=sample_bytes, filename="purchases.csv", only_valid=True)

        assert (again.created, again.already_imported) == (0, 127)
        assert Purchase.objects.count() == 127

    def test_it_creates_missing_customers_when_allowed(self, after_sample, catalogue, sample_bytes):  # noqa: F811
        result = purchases_import(
            data=sample_bytes, filename="purchases.csv", create_missing_customers=True, only_valid=True
        )

        assert result.error_rows == 3
        assert result.created_customers == 1
        created = Customer.objects.get(code="C9999")
        assert created.name == "C9999" and created.history.count() == 1
        assert Purchase.objects.filter(customer=created, order_ref="ORD-90001").count() == 1
        assert Purchase.objects.count() == 128

    def test_dry_run_reports_without_writing(self, after_sample, catalogue, sample_bytes):  # noqa: F811
        result = purchases_import(data=sample_bytes, filename="purchases.csv", dry_run=True, create_missing_customers=True)

        assert (result.valid_rows, result.missing_customers, result.written) == (128, 1, False)
        assert not Customer.objects.filter(code="C9999").exists()
        assert Purchase.objects.count() == 0


class TestAtomicity:
    def test_it_writes_nothing_when_the_summary_step_fails(self, after_sample, catalogue, sample_bytes, monkeypatch):  # noqa: F811
        def boom(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(importer_module, "refresh_summaries_where", boom)
        with pytest.raises(RuntimeError):
            purchases_import(data=sample_bytes, filename="purchases.csv", only_valid=True, create_missing_customers=True)

        assert Purchase.objects.count() == 0
        assert not Customer.objects.filter(code="C9999").exists()

    def test_it_rejects_a_file_without_the_required_columns(self, catalogue):
        with pytest.raises(TableError, match="amount"):
            purchases_import(data=b"customer_code,purchased_on\nC0001,2025-01-10\n", filename="x.csv")


class TestFormatsAndIdentity:
    def test_it_reads_utf8_with_bom_japanese_headers_and_era_dates(self, after_sample, catalogue):
        data = (
            "\ufeff顧客コード,購入日,商品コード,数量,金額,店舗,注文番号\n"
            "Ｃ０００１,令和7年1月10日,P-100,３,\"￥2,940\",本店,A-1\n"
            "C0002,2025/1/10 14:05,,,１００,通販,A-2\n"
        ).encode()
        result = purchases_import(data=data, filename="jp.csv")

        assert result.encoding == "utf-8-sig" and result.created == 2
        first = Purchase.objects.get(order_ref="A-1")
        assert (first.customer.code, first.purchased_on, first.quantity, first.amount) == (
            "C0001", dt.date(2025, 1, 10), Decimal(3), 2940)
        second = Purchase.objects.get(order_ref="A-2")
        assert second.product is None and second.quantity == Decimal(1)
        assert second.purchased_at == dt.datetime(2025, 1, 10, 5, 5, tzinfo=dt.UTC)  # 14:05 in Tokyo

    def test_it_reads_xlsx(self, after_sample, catalogue):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["customer_code", "purchased_on", "amount", "order_ref"])
        sheet.append(["C0003", dt.datetime(2024, 5, 6), 1200, "X-1"])
        sheet.append(["C0003", "R6.5.7", "1,300", "X-2"])
        stream = io.BytesIO()
        workbook.save(stream)

        result = purchases_import(data=stream.getvalue(), filename="book.xlsx")

        assert result.file_format == "xlsx" and result.created == 2
        assert list(Purchase.objects.order_by("order_ref").values_list("purchased_on", "amount")) == [
            (dt.date(2024, 5, 6), 1200), (dt.date(2024, 5, 7), 1300)]

    def test_it_reports_an_unknown_product_code(self, after_sample, catalogue):
        result = purchases_import(data=csv_bytes("C0001,2025-01-10,P-999,1,100,,B-1,"), filename="p.csv")

        assert [(e["line"], e["column"], e["reason"]) for e in result.errors] == [
            (2, "product_code", "No product has this code.")]
        assert Purchase.objects.count() == 0

    def test_it_keeps_identical_lines_without_order_reference_as_separate_purchases(self, after_sample, catalogue):
        data = csv_bytes("C0001,2025-01-10,P-100,1,980,本店,,", "C0001,2025-01-10,P-100,1,980,本店,,",
                         "C0001,2025/1/10,P-100,1,980,本店,,")
        first = purchases_import(data=data, filename="p.csv")
        again = purchases_import(data=data, filename="p.csv")

        assert first.created == 3  # the third spells the date differently but is a third purchase
        assert again.created == 0
        assert Purchase.objects.filter(row_key__startswith="d:").count() == 3

    def test_it_numbers_lines_within_an_order(self, after_sample, catalogue):
        data = csv_bytes("C0001,2025-01-10,P-100,1,980,,ORD-1,", "C0001,2025-01-10,P-200,1,620,,ORD-1,",
                         "C0002,2025-01-11,P-200,1,620,,ORD-2,")
        purchases_import(data=data, filename="p.csv")

        assert sorted(Purchase.objects.values_list("row_key", flat=True)) == ["o:ORD-1#1", "o:ORD-1#2", "o:ORD-2#1"]

    def test_it_refreshes_only_the_summaries_of_affected_customers(self, after_sample, catalogue):
        purchases_import(data=csv_bytes("C0001,2025-01-10,P-100,1,980,,ORD-1,"), filename="p.csv")

        assert list(CustomerPurchaseSummary.objects.values_list("customer__code", "total_amount")) == [("C0001", 980)]


@pytest.mark.postgres
class TestPostgresCopyPath:
    @pytest.fixture
    def copies(self, monkeypatch):
        from django.db.backends.utils import CursorWrapper

        statements = []

        def copy_expert(self, sql, file, *args):
            statements.append(sql)
            return self.cursor.copy_expert(sql, file, *args)

        monkeypatch.setattr(CursorWrapper, "copy_expert", copy_expert, raising=False)
        return statements

    def test_it_streams_the_whole_file_into_the_stage_with_copy(self, after_sample, catalogue, sample_bytes, copies):  # noqa: F811
        result = purchases_import(data=sample_bytes, filename="p.csv", only_valid=True)

        assert copies[0].startswith(f"COPY {staging.STAGE} (customer_code, purchased_on, product_code, quantity, amount, store, order_ref)")
        assert result.created == 127 and Purchase.objects.count() == 127
        assert [e["line"] for e in result.errors] == [129, 130, 131, 132]

    def test_it_falls_back_to_row_copy_for_a_file_with_blank_lines_and_keeps_line_numbers(
        self, after_sample, catalogue, copies
    ):
        data = csv_bytes("C0001,2025-01-10,P-100,1,980,,A-1,", "", "C0001,2025-02-30,P-100,1,980,,A-2,")
        result = purchases_import(data=data, filename="p.csv")

        assert copies[0].startswith(f"COPY {staging.STAGE} (seq, customer_code")
        assert [(e["line"], e["value"]) for e in result.errors] == [(4, "2025-02-30")]


    def test_it_reads_an_end_of_copy_marker_as_a_row_not_as_the_end_of_the_file(self, after_sample, catalogue,
                                                                                  copies):
        # COPY FROM STDIN stops at a line holding only a backslash and a dot: the lines after it would silently vanish.
        data = csv_bytes("C0001,2025-01-10,P-100,1,980,,A-1,", "\\.", "C0002,2025-01-10,P-100,1,980,,A-2,")
        result = purchases_import(data=data, filename="p.csv", only_valid=True)

        assert copies[0].startswith(f"COPY {staging.STAGE} (seq, customer_code")
        assert (result.total_rows, result.created) == (3, 2)
        assert {e["line"] for e in result.errors} == {3}

    def test_it_falls_back_to_row_copy_for_nul_characters_and_reports_the_cell(self, after_sample, catalogue, copies):
        data = csv_bytes("C0001,2025-01-10,P-100,1,980,本\x00店,A-1,", "C0002,2025-01-10,P-100,1,980,,A-2,")
        result = purchases_import(data=data, filename="p.csv")

        assert copies[0].startswith(f"COPY {staging.STAGE} (seq, customer_code")
        assert result.errors == [{"line": 2, "column": "store", "value": "本\N{SYMBOL FOR NULL}店",
                                  "reason": "The cell contains a NUL character, which cannot be stored; the file "
                                            "may be damaged."}]

    def test_it_copies_excel_unicode_text_whole_with_a_tab_delimiter(self, after_sample, catalogue, copies):
        text = (HEADER + "C0001\t2025-01-10\tP-100\t1\t980\t𠮷野家\tA-1\t\n").replace(",", "\t")
        result = purchases_import(data=codecs.BOM_UTF16_LE + text.encode("utf-16-le"), filename="p.txt")

        assert "HEADER true, DELIMITER E'\\t'" in copies[0]
        assert (result.encoding, result.created) == ("utf-16", 1)
        assert Purchase.objects.get().store == "𠮷野家"


class TestLineNumbers:
    def test_it_counts_blank_lines_in_line_numbers_on_every_database(self, after_sample, catalogue):
        data = csv_bytes("C0001,2025-01-10,P-100,1,980,,A-1,", "", "C0001,2025-01-10,P-100,x,980,,A-2,")
        result = purchases_import(data=data, filename="p.csv")

        assert [(e["line"], e["column"]) for e in result.errors] == [(4, "quantity")]
        assert result.total_rows == 2


class TestCommand:
    def test_it_imports_from_the_command_line_with_only_valid_and_writes_the_rejected_rows(
        self, after_sample, catalogue, tmp_path
    ):
        from django.core.management import call_command

        from .purchase_fixtures import SAMPLE

        out, err = io.StringIO(), io.StringIO()
        rejected = tmp_path / "rejected.csv"
        call_command("import_purchases", str(SAMPLE), "--only-valid", "--rejected", str(rejected), stdout=out, stderr=err)

        assert "127 added" in out.getvalue()
        assert "line 130, purchased_on '2025-02-30': The date does not exist." in err.getvalue()
        assert rejected.read_bytes().decode("utf-8-sig").count("\n") == 5
        assert Purchase.objects.count() == 127

    def test_it_refuses_a_file_with_errors_and_writes_nothing(self, after_sample, catalogue):
        from django.core.management import CommandError, call_command

        from .purchase_fixtures import SAMPLE

        with pytest.raises(CommandError, match="Nothing was written"):
            call_command("import_purchases", str(SAMPLE), stdout=io.StringIO(), stderr=io.StringIO())
        assert Purchase.objects.count() == 0

    def test_it_creates_missing_customers_and_dry_runs(self, after_sample, catalogue):
        from django.core.management import call_command

        from .purchase_fixtures import SAMPLE

        out = io.StringIO()
        call_command("import_purchases", str(SAMPLE), "--create-missing-customers", "--dry-run", stdout=out,
                     stderr=io.StringIO())
        assert "dry run" in out.getvalue() and not Customer.objects.filter(code="C9999").exists()
        call_command("import_purchases", str(SAMPLE), "--create-missing-customers", "--only-valid",
                     stdout=io.StringIO(), stderr=io.StringIO())
        assert Customer.objects.filter(code="C9999").exists()
        assert Purchase.objects.count() == 128
