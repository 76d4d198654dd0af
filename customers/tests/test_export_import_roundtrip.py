"""An export can be imported again: the demo customers, exported through export_write (labels in Japanese, or the
English codes) and imported back through the import services, change nothing and warn of nothing unknown."""
import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import translation

from config.celery import app as celery_app
from customers import customer_columns, normalize
from customers.customer_import import (
    commit_rows,
    customer_batch_confirm,
    customer_batch_create,
    plan_for_bytes,
)
from customers.export import export_write
from customers.models import Customer, ImportBatch
from customers.tabular import read_table

pytestmark = pytest.mark.slow
READ_ONLY = [c.code for c in customer_columns.COLUMNS if c.read_only]
FIELDS = ("code", "name", "name_kana", "kind", "lifecycle", "assigned_rep_id", "phone", "email", "postal_code",
          "prefecture", "address", "fiscal_year_end_month", "source", "updated_at")  # fmt: skip


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A small demo company (as crm/demo/tests/test_seed_demo.py seeds it), removed afterwards."""
    from crm.demo.build import demo_data_wipe
    from crm.dormancy.models import ModelFit, RankingEvaluation, ScanRun
    from customers.models import Tag

    user_model = get_user_model()
    with django_db_blocker.unblock():
        marks = {model: model.objects.aggregate(m=Max("pk"))["m"] or 0
                 for model in (ScanRun, ModelFit, RankingEvaluation, Tag, user_model)}  # fmt: skip
        call_command("seed_demo", "--seed", "42", "--customers", "60", "--as-of", date(2026, 11, 20).isoformat(),
                     stdout=io.StringIO())  # fmt: skip
    yield
    with django_db_blocker.unblock():
        ImportBatch.objects.all().delete()
        demo_data_wipe()
        for model, mark in marks.items():
            model.objects.filter(pk__gt=mark).delete()


@pytest.fixture
def admin(demo, db):
    return get_user_model().objects.get(username="admin")


@pytest.fixture(autouse=True)
def _eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _export(by, *, language, codes, file_format="csv"):
    with translation.override(language):
        export = export_write(by=by, kind="customers", queryset=Customer.objects.order_by("code"),
                              file_format=file_format, via="command", codes=codes)  # fmt: skip
        with export.stream:
            return export.stream.read()


def _unimportable_phones():
    """(code, phone) of the demo customers whose phone the import would refuse: none, since the demo draws its
    landline numbers from allocated ranges only (crm/demo/people.py phone_number)."""
    bad = [(code, phone) for code, phone in Customer.objects.order_by("code").values_list("code", "phone")
           if phone and not normalize.is_valid_phone(phone)]  # fmt: skip
    assert bad == []
    return bad


def _assert_only_duplicate_warnings(warnings, code_column):
    """The only warnings are the possible duplicates the demo really has (customers sharing a name, phone or
    e-mail): nothing about the columns or the values as exported."""
    shared = set()
    for key in ("name_key", "phone_key", "email_key"):
        keys = Customer.objects.exclude(**{key: ""}).values(key).annotate(n=Count("pk")).filter(n__gt=1)
        shared |= set(Customer.objects.filter(**{f"{key}__in": keys.values(key)}).values_list("code", flat=True))
    assert all(column == code_column for column, _ in warnings), warnings
    assert {code for _, code in warnings} <= shared


def _state():
    return list(Customer.objects.order_by("code").values_list(*FIELDS))


CASES = [("ja", False, "csv"), ("ja", False, "xlsx"), ("en", True, "csv"), ("en", False, "csv")]


@pytest.mark.parametrize(("language", "codes", "file_format"), CASES)
def test_an_export_imported_again_through_the_batch_changes_nothing(
    admin, language, codes, file_format, django_capture_on_commit_callbacks
):
    data = _export(admin, language=language, codes=codes, file_format=file_format)
    before, history = _state(), Customer.history.count()
    assert len(before) == 60 and any(row[5] for row in before)  # the demo assigns reps: the rep column round-trips
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        batch = customer_batch_create(upload=SimpleUploadedFile(f"export.{file_format}", data), by=admin)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.VALIDATED, batch.message
    bad = _unimportable_phones()
    assert (batch.total_rows, batch.valid_rows, batch.error_count) == (60, 60 - len(bad), len(bad)), batch.errors
    assert {error["value"] for error in batch.errors} == {phone for _, phone in bad}
    options = batch.options
    assert options["unknown_columns"] == []
    code_column = read_table(data, f"export.{file_format}").header[0]
    _assert_only_duplicate_warnings([(w["column"], w["value"]) for w in options["warnings"]], code_column)
    header = read_table(data, f"export.{file_format}").header
    assert options["read_only_columns"] == header[-len(READ_ONLY):]  # the notice names them as the file does
    with django_capture_on_commit_callbacks(execute=True):
        customer_batch_confirm(batch=batch, by=admin, only_valid=bool(bad))
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.DONE, batch.message
    assert (batch.created_count, batch.updated_count, batch.options["unchanged"]) == (0, 0, 60 - len(bad))
    assert _state() == before and Customer.history.count() == history


def test_the_japanese_export_has_japanese_values_and_the_command_export_english_codes(admin):
    with translation.override("ja"):
        japanese = read_table(_export(admin, language="ja", codes=False), "x.csv")
    codes = read_table(_export(admin, language="ja", codes=True), "x.csv")
    assert codes.header == customer_columns.CODES
    assert "lifecycle" in codes.header and "dormancy_status" in codes.header and "status" not in codes.header
    assert {row["kind"] for _, row in codes.rows} == {"company", "person"}
    assert {row["lifecycle"] for _, row in codes.rows} <= set(Customer.Lifecycle.values)
    lifecycle_ja = japanese.header[customer_columns.CODES.index("lifecycle")]
    values = {row[lifecycle_ja] for _, row in japanese.rows}
    assert values and values <= {"見込み客", "顧客", "取引終了"}
    status_ja = japanese.header[customer_columns.CODES.index("dormancy_status")]
    assert {row[status_ja] for _, row in japanese.rows} & {"稼働中", "休眠", "休眠予備軍", "離反"}


def test_the_command_file_imported_in_memory_changes_nothing(admin):
    data = _export(admin, language="ja", codes=True)
    before = _state()
    plan = plan_for_bytes(data, "customers.csv")
    bad = _unimportable_phones()
    assert [(e.column, e.value) for e in plan.errors] == [("phone", phone) for _, phone in bad]
    assert plan.unknown_columns == []
    _assert_only_duplicate_warnings([(w.column, w.value) for w in plan.warnings], "code")
    assert plan.read_only_columns == READ_ONLY
    result = commit_rows(plan.valid_rows, by=admin)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 60 - len(bad))
    assert _state() == before


def test_an_old_file_with_status_as_the_lifecycle_still_imports(admin):
    customer = Customer.objects.order_by("code").first()
    data = f"code,name,status\n{customer.code},{customer.name},retired\n".encode()
    plan = plan_for_bytes(data, "old.csv")
    assert (plan.errors, plan.warnings, plan.read_only_columns) == ([], [], [])
    assert plan.valid_rows[0].values["lifecycle"] == Customer.Lifecycle.RETIRED
    # next to `lifecycle`, `status` is the dormancy status of an export made before the rename: read-only
    old_export = f"code,name,lifecycle,status\n{customer.code},{customer.name},顧客,dormant\n".encode()
    plan = plan_for_bytes(old_export, "old_export.csv")
    assert (plan.errors, plan.warnings, plan.read_only_columns) == ([], [], ["status"])
    assert plan.valid_rows[0].values["lifecycle"] == Customer.Lifecycle.CUSTOMER
