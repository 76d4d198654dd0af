"""Customer export: columns, BOM, formula neutralization, dormancy columns, audit record, roles, command."""
import codecs
import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from crm.dormancy.models import CustomerDormancy
from crm.models import ExportAudit
from crm.permissions import Refused
from customers import customer_columns
from customers.export import export_write
from customers.models import Customer, CustomerPurchaseSummary, Purchase
from customers.purchases.selectors import EXPORT_HEADER as PURCHASE_COLUMNS
from customers.selectors import EXPORT_COLUMNS, customer_export_rows

from .factories import CustomerFactory, PurchaseFactory

# Issue 12: the import's columns first (`lifecycle`, not `status`), then the read-only dormancy columns.
ISSUE_COLUMNS = ["code", "name", "name_kana", "kind", "lifecycle", "rep", "phone", "email", "postal_code", "address", "fiscal_month", "source", "dormancy_status", "last_purchase_on", "days_since_last_purchase", "dormant_since", "dormancy_rule", "dormancy_reason", "priority_score", "p_alive", "expected_purchases_90d", "next_expected_purchase_on"]  # fmt: skip


@pytest.fixture
def customers(rep):
    yamada = Customer.objects.create(code="C0001", name="株式会社山田建材", name_kana="ヤマダケンザイ", phone="03-1234-5678",
                                     lifecycle="customer", assigned_rep=rep, prefecture="東京都", address="千代田区千代田1-1",
                                     postal_code="100-0001")  # fmt: skip
    evil = Customer.objects.create(code="C0020", name='=HYPERLINK("http://evil.example","クリック")', phone="+81 3 0000")
    tab = Customer.objects.create(code="C0021", name="\tタブ", name_kana="@メンション", lifecycle="prospect")
    CustomerDormancy.objects.create(customer=yamada, status="dormant", rule="interval", reason="price",
                                    dormant_since=date(2025, 6, 1), days_since_last_purchase=400, priority_score=0.87,
                                    p_alive=0.12, expected_purchases_90d=0.3, next_expected_purchase_on=date(2026, 2, 1),
                                    as_of=date(2026, 1, 1))  # fmt: skip
    CustomerPurchaseSummary.objects.create(customer=yamada, last_purchase_on=date(2024, 11, 27), as_of=date(2026, 1, 1))
    return yamada, evil, tab


def parse_csv(content):
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_it_has_exactly_the_columns_of_the_issue():
    assert EXPORT_COLUMNS == ISSUE_COLUMNS


def test_it_builds_rows_with_dormancy_columns_and_leaves_them_empty_when_absent(customers):
    rows = {row[0]: dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in customer_export_rows(Customer.objects.all())}
    yamada = rows["C0001"]
    assert (yamada["dormancy_status"], yamada["dormancy_rule"], yamada["dormancy_reason"]) == ("dormant", "interval", "price")
    assert (yamada["last_purchase_on"], yamada["dormant_since"]) == ("2024-11-27", "2025-06-01")
    assert (yamada["days_since_last_purchase"], yamada["priority_score"], yamada["p_alive"]) == (400, 0.87, 0.12)
    assert yamada["next_expected_purchase_on"] == "2026-02-01"
    assert yamada["address"] == "東京都千代田区千代田1-1" and yamada["rep"] == "佐藤 営業"
    assert all(rows["C0021"][c] == "" for c in EXPORT_COLUMNS[13:]) and rows["C0021"]["dormancy_status"] == ""


class TestExportView:
    @pytest.mark.parametrize(("role", "status"), [("sales_rep", 403), ("manager", 200), ("list_maintainer", 200), ("admin", 200)])
    def test_it_lets_only_office_roles_export(self, client_for, users_by_role, customers, role, status):
        response = client_for(users_by_role[role]).get(reverse("customers:export"), {"format": "csv"})
        assert response.status_code == status
        assert ExportAudit.objects.count() == (1 if status == 200 else 0)

    def test_it_redirects_anonymous_visitors(self, client, customers):
        assert client.get(reverse("customers:export")).status_code == 302
        assert not ExportAudit.objects.exists()

    def test_it_writes_csv_with_bom_and_neutralized_formulas(self, client_for, manager, customers):
        response = client_for(manager).get(reverse("customers:export"), {"format": "csv", "headers": "codes"})
        assert response["Content-Disposition"].startswith('attachment; filename="customers_')
        rows = parse_csv(b"".join(response.streaming_content))
        assert rows[0] == EXPORT_COLUMNS
        by_code = {row[0]: row for row in rows[1:]}
        assert by_code["C0020"][1] == "'=HYPERLINK(\"http://evil.example\",\"クリック\")"
        assert by_code["C0021"][1] == "'\tタブ" and by_code["C0021"][2] == "'@メンション"
        assert by_code["C0001"][EXPORT_COLUMNS.index("dormancy_status")] == "dormant"

    def test_the_list_offers_both_exports_keeping_its_filter(self, client_for, manager, customers):
        html = client_for(manager).get(reverse("customers:list"), {"lifecycle": "customer"}).content.decode()
        assert 'href="/customers/export/?lifecycle=customer&amp;format=csv&amp;headers=codes"' in html
        assert 'href="/customers/export/?lifecycle=customer&amp;format=csv" data-testid="export-csv"' in html

    def test_it_exports_what_the_filtered_list_shows_and_audits_it(self, client_for, maintainer, customers):
        response = client_for(maintainer).get(reverse("customers:export"), {"q": "ヤマダ", "lifecycle": "customer",
                                                                            "format": "csv", "page": "3"})
        rows = parse_csv(b"".join(response.streaming_content))
        assert [row[0] for row in rows[1:]] == ["C0001"]
        audit = ExportAudit.objects.get()
        assert (audit.user, audit.kind, audit.file_format, audit.row_count, audit.via) == (
            maintainer, "customers", "csv", 1, "web")
        assert audit.filters == {"q": "ヤマダ", "lifecycle": "customer"}
        assert audit.actor.startswith("maintainer")

    def test_it_writes_xlsx_with_neutralized_formulas(self, client_for, admin_user, customers):
        response = client_for(admin_user).get(reverse("customers:export"), {"format": "xlsx"})
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        values = list(workbook.active.iter_rows(values_only=True))
        assert list(values[0]) == customer_columns.header(codes=False)  # the labels, in the user's language
        names = {row[0]: row[1] for row in values[1:]}
        assert names["C0020"].startswith("'=")
        assert ExportAudit.objects.get().file_format == "xlsx"


class TestExportCommand:
    def test_it_exports_by_status_and_audits_the_command(self, customers, manager, tmp_path):
        target = tmp_path / "dormant.csv"
        call_command("export_customers", str(target), "--status", "dormant", "--user", manager.username, stdout=io.StringIO())
        rows = parse_csv(target.read_bytes())
        assert [row[0] for row in rows[1:]] == ["C0001"]
        audit = ExportAudit.objects.get()
        assert (audit.via, audit.row_count, audit.filters, audit.user) == ("command", 1, {"status": "dormant"}, manager)

    def test_it_writes_xlsx_when_asked(self, customers, admin_user, tmp_path):
        target = tmp_path / "all.xlsx"
        call_command("export_customers", str(target), "--format", "xlsx", "--user", admin_user.username,
                     stdout=io.StringIO())  # fmt: skip
        assert load_workbook(target).active.max_row == 4

    def test_it_refuses_a_rep_with_the_reason_and_writes_no_file(self, customers, rep, tmp_path, english):
        with pytest.raises(CommandError, match=r"rep1 may not export customers: Your role \(Sales rep\)"):
            call_command("export_customers", str(tmp_path / "x.csv"), "--user", rep.username)
        assert not ExportAudit.objects.exists()
        assert not (tmp_path / "x.csv").exists()


class _BreaksAfter(io.BytesIO):
    """A stream that fails part-way, like a full disk."""

    def __init__(self, limit):
        super().__init__()
        self.limit = limit

    def write(self, data):
        if self.tell() + len(data) > self.limit:
            raise OSError("No space left on device")
        return super().write(data)


class TestExportService:
    """export_write is the one way out: every kind checks its own right and leaves an audit row, or nothing."""

    @pytest.mark.parametrize("kind", ["customers", "dormant_customers", "purchases"])
    def test_it_refuses_a_rep_every_kind_and_records_nothing(self, rep, kind):
        CustomerFactory.create_batch(3)
        queryset = Purchase.objects.all() if kind == "purchases" else Customer.objects.all()
        with pytest.raises(Refused):
            export_write(by=rep, kind=kind, queryset=queryset)
        assert not ExportAudit.objects.exists()

    def test_it_writes_purchases_with_their_own_columns_and_right(self, manager, maintainer):
        line = PurchaseFactory(customer=CustomerFactory(code="C0100", name="株式会社青木建材"), amount=-5_000,
                               store="@返品", order_ref="RET-1")
        export = export_write(by=maintainer, kind="purchases", queryset=Purchase.objects.all(),
                              filters={"customer": "C0100"})
        rows = parse_csv(export.stream.read())
        assert rows[0] == list(PURCHASE_COLUMNS)
        assert rows[1][:3] == ["C0100", "株式会社青木建材", line.purchased_on.isoformat()]
        assert (rows[1][7], rows[1][8], rows[1][9]) == ("-5000", "'@返品", "RET-1")  # a negative amount stays a number
        assert (export.audit.kind, export.audit.row_count, export.audit.user) == ("purchases", 1, maintainer)
        assert export.filename.startswith("purchases_") and export.filename.endswith(".csv")
        assert export.content_type == "text/csv; charset=utf-8"

    def test_it_keeps_no_audit_row_when_writing_fails_half_way(self, manager):
        CustomerFactory.create_batch(50)
        with pytest.raises(OSError, match="No space left"):
            export_write(by=manager, kind="customers", queryset=Customer.objects.all(), stream=_BreaksAfter(2_000))
        assert not ExportAudit.objects.exists()

    def test_it_rejects_an_unknown_kind_or_format_before_writing(self, admin_user):
        with pytest.raises(ValueError, match="kind"):
            export_write(by=admin_user, kind="everything", queryset=Customer.objects.all())
        with pytest.raises(ValueError, match="format"):
            export_write(by=admin_user, kind="customers", queryset=Customer.objects.all(), file_format="pdf")
        assert not ExportAudit.objects.exists()

    def test_it_records_who_how_and_with_which_filter(self, maintainer, customers):
        export = export_write(by=maintainer, kind="dormant_customers", file_format="xlsx", via="command",
                              queryset=Customer.objects.filter(code="C0001"), filters={"status": "dormant"})
        workbook = load_workbook(export.stream)
        assert [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)] == ["C0001"]
        audit = ExportAudit.objects.get()
        assert (audit.kind, audit.file_format, audit.via, audit.row_count, audit.filters) == (
            "dormant_customers", "xlsx", "command", 1, {"status": "dormant"})
        assert audit.actor == "maintainer (鈴木 リスト)"
