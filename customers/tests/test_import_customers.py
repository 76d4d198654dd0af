"""Customer import: encodings, XLSX, every kind of bad row, atomicity, re-import, the command and the screen."""
import codecs
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from customers.customer_import import commit_rows, plan_for_bytes
from customers.models import Customer, ImportBatch

SAMPLE = Path(__file__).parent / "data" / "customers_messy_cp932.csv"
SAMPLE_TEXT = SAMPLE.read_bytes().decode("cp932")
HEADER = SAMPLE_TEXT.splitlines()[0]
BAD_CODES = {"C0019", "C0020"}  # month 13, e-mail "test", phone 不明, postal 999; phone 03-0000-0000


def clean_text():
    """The sample without its deliberately bad rows."""
    lines = [line for line in SAMPLE_TEXT.splitlines() if line.split(",")[0] not in BAD_CODES]
    return "\r\n".join(lines) + "\r\n"


def csv_bytes(rows, header=HEADER, encoding="cp932"):
    return (header + "\r\n" + "\r\n".join(rows) + "\r\n").encode(encoding)


def to_xlsx(text):
    import csv

    workbook = Workbook()
    sheet = workbook.active
    for row in csv.reader(io.StringIO(text)):
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


@pytest.fixture
def reps(make_user):
    from crm.roles import Role

    return {name: make_user(f"rep_{i}", Role.SALES_REP, display_name=f"{name} 営業")
            for i, name in enumerate(["佐藤", "高橋", "渡辺"])}  # fmt: skip


ENCODED = {
    "cp932": lambda text: text.encode("cp932"),
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "xlsx": to_xlsx,
}


class TestValidation:
    @pytest.mark.parametrize("variant", sorted(ENCODED))
    def test_it_reads_every_encoding_and_xlsx_alike(self, db, variant):
        data = ENCODED[variant](SAMPLE_TEXT)
        plan = plan_for_bytes(data, "customers.xlsx" if variant == "xlsx" else "customers.csv")
        assert plan.total_rows == 20
        by_code = {row.code: row for row in plan.rows}
        assert by_code["C0001"].values["name"] == "株式会社山田建材"
        assert by_code["C0002"].values["name_kana"] == "ヤマダケンザイ"  # half-width kana folded
        assert by_code["C0002"].values["phone"] == "03-1234-5678"
        assert by_code["C0002"].values["postal_code"] == "100-0001"
        assert by_code["C0004"].values["phone"] == "045-987-6543"
        assert by_code["C0004"].values["email"] == "suzuki@suzuki-koumuten.example.jp"
        assert {e.line for e in plan.errors} == {20, 21}

    def test_it_reports_each_bad_value_with_line_column_and_reason(self, db):
        plan = plan_for_bytes(SAMPLE.read_bytes(), "customers.csv")
        found = {(e.line, e.column) for e in plan.errors}
        assert {(20, "phone"), (20, "email"), (20, "postal_code"), (20, "fiscal_month"), (21, "phone")} <= found
        month_error = next(e for e in plan.errors if e.column == "fiscal_month")
        assert month_error.value == "13" and "1" in month_error.reason and "12" in month_error.reason

    @pytest.mark.parametrize(
        ("row", "column"),
        [(",名無し,,,,,,,,,,", "code"), ("X1,,,,,,,,,,,", "name"), ("X1,株式会社,,,,,,,,,,", "name"),
         ("X1,甲,,,,,,corporation,,,,", "kind"), ("X1,甲,,,,,,,active,,,", "status"),
         ("X1,甲,,,,,,,,,,チラシ", "source"), ("X1,甲,,,,,,,,0,,", "fiscal_month"),
         ("X1,甲,,,,1234,,,,,,", "postal_code"), ("X1,甲,,,a@b,,,,,,,", "email")],
    )  # fmt: skip
    def test_it_rejects_each_kind_of_bad_row(self, db, row, column):
        plan = plan_for_bytes(csv_bytes([row]), "x.csv")
        assert [(e.line, e.column) for e in plan.errors] == [(2, column)]

    def test_it_rejects_a_code_repeated_in_the_file(self, db):
        plan = plan_for_bytes(csv_bytes(["X1,甲,,,,,,,,,,", "x1,乙,,,,,,,,,,"]), "x.csv")
        assert [(e.line, e.column) for e in plan.errors] == [(3, "code")]
        assert "2" in plan.errors[0].reason

    def test_it_reports_unknown_columns(self, db):
        plan = plan_for_bytes(csv_bytes(["X1,甲,,,,,,,,,,,memo"], header=HEADER + ",備考"), "x.csv")
        assert plan.unknown_columns == ["備考"]
        assert plan.is_valid and any(w.column == "備考" for w in plan.warnings)

    def test_it_refuses_a_file_without_the_required_columns(self, db):
        from customers.tabular import TableError

        with pytest.raises(TableError):
            plan_for_bytes("name,phone\r\n甲,03-1234-5678\r\n".encode(), "x.csv")

    def test_it_maps_status_source_kind_address_and_rep(self, db, reps):
        plan = plan_for_bytes(clean_text().encode("cp932"), "x.csv")
        row = {r.code: r for r in plan.rows}
        assert row["C0001"].values["lifecycle"] == "customer"
        assert row["C0001"].values["source"] == "existing"
        assert row["C0007"].values["source"] == "web_inquiry"
        assert row["C0005"].values["source"] == "member_card"
        assert row["C0005"].values["kind"] == "person"
        assert (row["C0001"].values["prefecture"], row["C0001"].values["address"]) == ("東京都", "千代田区千代田1-1")
        assert row["C0004"].values["prefecture"] == ""  # 横浜市… names no prefecture
        assert row["C0001"].values["assigned_rep_id"] == reps["佐藤"].pk
        unknown = [w for w in plan.warnings if w.column == "rep"]
        assert {w.value for w in unknown} == {"伊藤"}

    def test_it_warns_about_likely_duplicates_without_merging(self, db):
        Customer.objects.create(code="OLD1", name="株式会社北斗精機")
        plan = plan_for_bytes(clean_text().encode("cp932"), "x.csv")
        reasons = [(w.line, w.reason) for w in plan.warnings if w.column == "code"]
        assert any(line == 3 and "C0001" in reason for line, reason in reasons)
        assert any("OLD1" in reason for _line, reason in reasons)
        assert plan.is_valid


class TestCommit:
    def test_it_creates_then_updates_by_code_without_duplicates(self, db, reps, maintainer):
        data = clean_text().encode("cp932")
        first = commit_rows(plan_for_bytes(data, "x.csv").valid_rows, by=maintainer)
        assert (first.created, first.updated) == (18, 0)
        yamada = Customer.objects.get(code="C0002")
        assert (yamada.phone_key, yamada.name_key, yamada.postal_key) == ("0312345678", "山田建材", "1000001")
        assert yamada.history.count() == 1 and yamada.history.first().history_user == maintainer
        again = commit_rows(plan_for_bytes(data, "x.csv").valid_rows, by=maintainer)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 18)
        changed = data.decode("cp932").replace("045-987-6543", "045-987-0000").encode("cp932")
        third = commit_rows(plan_for_bytes(changed, "x.csv").valid_rows, by=maintainer)
        assert (third.created, third.updated) == (0, 1)
        assert Customer.objects.count() == 18
        suzuki = Customer.objects.get(code="C0003")
        assert suzuki.phone_key == "0459870000" and suzuki.history.count() == 2

    def test_it_records_who_changed_what_and_why_and_keeps_the_other_fields(self, db, maintainer):
        Customer.objects.create(code="X1", name="甲", notes="大事な取引先", phone="03-1234-5678")
        rows = plan_for_bytes(csv_bytes(["X1,甲商事,,045-987-6543,,,,,,,,", "X2,乙,,,,,,,,,,"]), "x.csv").valid_rows
        assert (commit_rows(rows, by=maintainer, reason="import x.csv").created, Customer.objects.count()) == (1, 2)
        x1 = Customer.objects.get(code="X1")
        assert (x1.name, x1.phone, x1.phone_key, x1.name_key, x1.notes) == (
            "甲商事", "045-987-6543", "0459876543", "甲商事", "大事な取引先")
        latest = x1.history.first()
        assert (latest.history_type, latest.history_user, latest.history_change_reason, latest.name) == (
            "~", maintainer, "import x.csv", "甲商事")
        x2 = Customer.objects.get(code="X2")
        assert (x2.lifecycle, x2.kind, x2.created_by) == ("prospect", "company", maintainer)
        assert x2.history.get().history_type == "+"

    def test_it_keeps_kind_status_and_rep_when_the_cells_are_empty_on_update(self, db, reps):
        Customer.objects.create(code="X1", name="甲", kind="person", lifecycle="customer", assigned_rep=reps["高橋"])
        commit_rows(plan_for_bytes(csv_bytes(["X1,甲,,,,,,,,,伊藤,"]), "x.csv").valid_rows, by=None)
        customer = Customer.objects.get(code="X1")
        assert (customer.kind, customer.lifecycle, customer.assigned_rep) == ("person", "customer", reps["高橋"])

    def test_it_writes_nothing_when_the_database_fails_midway(self, db, monkeypatch):
        from customers.customer_import import commit as commit_module

        Customer.objects.create(code="C0001", name="旧名")
        plan = plan_for_bytes(clean_text().encode("cp932"), "x.csv")

        def broken_update(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(commit_module, "_update_customers", broken_update)
        with pytest.raises(RuntimeError):
            commit_rows(plan.valid_rows, by=None)
        assert list(Customer.objects.values_list("code", "name")) == [("C0001", "旧名")]


class TestCommand:
    def test_it_refuses_a_file_with_errors_and_writes_nothing(self, db):
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_customers", str(SAMPLE), stdout=out)
        assert "ERROR line 20 [fiscal_month]" in out.getvalue()
        assert Customer.objects.count() == 0

    def test_it_writes_nothing_on_a_dry_run(self, db, tmp_path):
        path = tmp_path / "clean.csv"
        path.write_bytes(clean_text().encode("cp932"))
        out = io.StringIO()
        call_command("import_customers", str(path), "--dry-run", stdout=out)
        assert "would create 18" in out.getvalue()
        assert Customer.objects.count() == 0

    def test_it_imports_only_valid_rows_and_writes_the_rejected_ones(self, db, tmp_path, maintainer):
        rejected = tmp_path / "rejected.csv"
        out = io.StringIO()
        call_command("import_customers", str(SAMPLE), "--only-valid", "--rejected", str(rejected),
                     "--user", maintainer.username, stdout=out)  # fmt: skip
        assert Customer.objects.count() == 18
        assert not Customer.objects.filter(code__in=BAD_CODES).exists()
        text = rejected.read_bytes()
        assert text.startswith(codecs.BOM_UTF8)
        decoded = text.decode("utf-8-sig")
        assert "C0019" in decoded and "fiscal_month" in decoded and "C0020" in decoded
        assert "'=HYPERLINK" in decoded  # the rejected file is neutralized too
        assert Customer.objects.get(code="C0001").history.first().history_user == maintainer


@pytest.mark.usefixtures("eager_tasks")
class TestImportScreen:
    @pytest.fixture(autouse=True)
    def _on_commit(self, django_capture_on_commit_callbacks):
        self.on_commit = django_capture_on_commit_callbacks

    def upload(self, client, data, name="customers.csv"):
        with self.on_commit(execute=True):
            return client.post(reverse("customers:import"), {"file": SimpleUploadedFile(name, data)})

    def confirm(self, client, batch, **data):
        with self.on_commit(execute=True):
            return client.post(reverse("customers:import_confirm", args=[batch.pk]), data)

    @pytest.mark.parametrize(("role", "status"), [("sales_rep", 403), ("manager", 403), ("list_maintainer", 200), ("admin", 200)])
    def test_it_is_only_for_maintainers_and_admins(self, client_for, users_by_role, role, status):
        assert client_for(users_by_role[role]).get(reverse("customers:import")).status_code == status

    def test_it_redirects_anonymous_visitors(self, client):
        assert client.get(reverse("customers:import")).status_code == 302

    def test_it_previews_errors_and_refuses_to_import_them(self, client_for, maintainer):
        client = client_for(maintainer)
        response = self.upload(client, SAMPLE.read_bytes())
        batch = ImportBatch.objects.get()
        assert response.status_code == 302 and batch.state == "validated" and batch.error_count >= 5
        page = client.get(response["Location"]).content.decode()
        assert 'data-testid="import-errors"' in page and "不明" in page
        assert 'data-testid="import-confirm"' not in page and 'data-testid="import-only-valid"' in page
        response = self.confirm(client, batch)
        assert response.status_code == 302
        assert Customer.objects.count() == 0
        batch.refresh_from_db()
        assert batch.state == "validated"

    def test_it_imports_only_valid_rows_when_asked(self, client_for, maintainer):
        client = client_for(maintainer)
        self.upload(client, SAMPLE.read_bytes())
        batch = ImportBatch.objects.get()
        self.confirm(client, batch, only_valid="1")
        batch.refresh_from_db()
        assert (batch.state, batch.created_count) == ("done", 18)
        assert Customer.objects.count() == 18
        rejected = client.get(reverse("customers:import_rejected", args=[batch.pk]))
        assert rejected.status_code == 200 and "C0019" in b"".join(rejected.streaming_content).decode("utf-8-sig")
        # A second confirmation (double click, second tab) does nothing.
        self.confirm(client, batch, only_valid="1")
        assert Customer.objects.count() == 18

    def test_it_imports_a_clean_xlsx_after_confirmation(self, client_for, admin_user):
        client = client_for(admin_user)
        self.upload(client, to_xlsx(clean_text()), name="顧客.xlsx")
        batch = ImportBatch.objects.get()
        assert Customer.objects.count() == 0  # nothing before confirmation
        page = client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()
        assert 'data-testid="import-confirm"' in page and "C0001" in page
        self.confirm(client, batch)
        batch.refresh_from_db()
        assert batch.state == "done" and Customer.objects.count() == 18
        assert Customer.objects.get(code="C0002").history.first().history_user == admin_user

    def test_it_reports_an_unreadable_file_in_the_batch_and_the_recent_list(self, client_for, maintainer, english):
        client = client_for(maintainer)
        response = self.upload(client, b"\x81\xff\xfe\x00garbage", name="bad.csv")
        batch = ImportBatch.objects.get()
        assert batch.state == "failed" and batch.message and batch.finished_at
        assert 'data-testid="import-failed"' in client.get(response["Location"]).content.decode()
        listing = client.get(reverse("customers:import")).content.decode()
        assert 'data-testid="recent-import-message"' in listing and "Failed" in listing

    def test_it_cancels_without_writing(self, client_for, maintainer):
        client = client_for(maintainer)
        self.upload(client, clean_text().encode("cp932"))
        batch = ImportBatch.objects.get()
        assert batch.customer_rows.count() == 18
        client.post(reverse("customers:import_cancel", args=[batch.pk]))
        batch.refresh_from_db()
        assert batch.state == "cancelled" and Customer.objects.count() == 0
        assert not batch.customer_rows.exists()

    def test_the_page_polls_while_a_task_works_and_reloads_once_it_is_finished(self, client_for, maintainer):
        client = client_for(maintainer)
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.CUSTOMERS, original_name="x.csv", file="x.csv",
                                           state=ImportBatch.State.RUNNING, progress=40)  # fmt: skip
        page = client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()
        assert 'data-testid="import-progress"' in page and "40%" in page
        url = reverse("customers:import_progress", args=[batch.pk])
        assert "40%" in client.get(url, HTTP_HX_REQUEST="true").content.decode()
        ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.DONE)
        done = client.get(url, HTTP_HX_REQUEST="true")
        assert done.status_code == 204 and done["HX-Redirect"] == reverse("customers:import_detail", args=[batch.pk])

    def test_it_validates_once_and_imports_the_checked_rows(self, client_for, maintainer, monkeypatch):
        from customers.customer_import import batches

        client = client_for(maintainer)
        self.upload(client, clean_text().encode("cp932"))
        batch = ImportBatch.objects.get()

        def no_second_reading(*args, **kwargs):
            raise AssertionError("the file was read again")

        monkeypatch.setattr(batches, "open_rows", no_second_reading)
        self.confirm(client, batch)
        batch.refresh_from_db()
        assert (batch.state, batch.created_count) == ("done", 18)
        assert not batch.customer_rows.exists()  # the valid rows are gone once imported

    def test_the_import_decides_create_or_update_when_it_runs(self, client_for, maintainer):
        client = client_for(maintainer)
        self.upload(client, clean_text().encode("cp932"))
        batch = ImportBatch.objects.get()
        assert all(r["action"] == "create" for r in batch.options["preview"])
        Customer.objects.create(code="C0001", name="先に登録された会社")  # between the check and the import
        self.confirm(client, batch)
        batch.refresh_from_db()
        assert (batch.state, batch.created_count, batch.updated_count) == ("done", 17, 1)
        assert Customer.objects.get(code="C0001").name == "株式会社山田建材"
