"""The web import of a customer file, as an ImportBatch moved by customers.import_states:

    upload ─ customer_batch_create ─> uploaded ─ task: customer_batch_validate ─> validated (the preview)
           ─ customer_batch_confirm ─> confirmed ─ task: customer_batch_run ─> running ─> done
    cancelled from uploaded or validated; failed, with the reason for the user, from any state not final.

The request only stores the upload (Django has streamed it to disk) and queues the check. The check reads the
stored file once, in a task, and keeps what it found: every data row in CustomerImportRow (the parsed values
of a valid row, the cells and reasons of a rejected one), and the counts, the first errors and warnings and a
preview on the batch. Confirming imports those rows without reading or checking the file again; whether a row
creates or updates a customer is decided when it is written, by its code, against the customers as they are
then. With no Redis the tasks run in-process, so the same flow works in the embedded setup.
"""
import io
import json
import logging
import tempfile

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from crm.permissions import require
from customers import customer_columns
from customers.import_states import (
    import_batch_enqueue,
    import_batch_fail,
    import_batch_progress_report,
    import_batch_runner_lock,
    import_batch_start_run,
    import_batch_transition,
    is_transient,
)
from customers.models import Customer, ImportBatch
from customers.models.imports import CustomerImportRow
from customers.tabular import TableError, write_csv

from .commit import commit_batch_rows
from .reading import open_rows
from .validation import COLUMNS, KEEP, REQUIRED_COLUMNS, BulkLoader, ImportPlan, check_rows

logger = logging.getLogger(__name__)
State = ImportBatch.State
PREVIEW_ERRORS = 500  # errors and warnings kept on the batch for the preview; the rejected-rows file has all rows
PREVIEW_ROWS = 20
ROWS_CHUNK = 5_000  # rows written to CustomerImportRow at a time
NUL_SHOWN_AS = "\N{SYMBOL FOR NULL}"  # PostgreSQL stores no NUL character, not even inside JSON


class ImportNotAllowed(Exception):
    """The batch cannot be imported as asked (not waiting for confirmation, or errors without 'only valid rows')."""


def plan_for_bytes(data, name):
    """Check a whole file in memory (the management command, tests): an ImportPlan with its parsed rows."""
    stream = _open(data, name)
    plan = ImportPlan(header=stream.header, encoding=stream.encoding, file_format=stream.file_format)
    return check_rows(plan, stream.rows)


def _open(data, name):
    """open_rows, the required columns found by customers.customer_columns (codes or the export's labels)."""
    stream = open_rows(data, name)
    missing = customer_columns.import_header(stream.header, check_names=COLUMNS, required=REQUIRED_COLUMNS).missing
    if missing:
        raise TableError(customer_columns.missing_message(missing))
    return stream


def customer_batch_create(*, upload, by):
    """Keep the uploaded file and queue its check; returns the batch (uploaded)."""
    from customers import tasks

    require(by, "customers.import")
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.CUSTOMERS, file=upload, original_name=upload.name[:255], uploaded_by=by
    )
    import_batch_enqueue(batch, tasks.customer_import_validate)
    return batch


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # json.dumps makes one per call


def _json(value):
    return _ENCODE(value)


class _RowWriter:
    """Receives each checked row (check_rows' on_row) and writes it to CustomerImportRow in chunks: COPY on
    PostgreSQL, executemany on SQLite. Reports progress and keeps the first valid rows for the preview."""

    COLUMNS = ("batch_id", "line", "code", "is_valid", "parsed", "kept", "raw", "reasons")

    def __init__(self, batch, expected_rows, loader):
        self.batch, self.expected_rows, self.loader = batch, max(expected_rows, 1), loader
        self.pending, self.count, self.preview = [], 0, []

    def __call__(self, row, errors):
        if errors:
            raw = {k: (v or "").replace("\x00", NUL_SHOWN_AS) for k, v in row.raw.items()}
            reasons = " / ".join(f"{e.column}: {e.reason}" for e in errors)
            self.pending.append((self.batch.pk, row.line, row.code, False, None, None, _json(raw), reasons))
        else:
            values = {k: v for k, v in row.values.items() if v is not KEEP}
            kept = [k for k, v in row.values.items() if v is KEEP]
            self.pending.append((self.batch.pk, row.line, row.code, True, _json(values), _json(kept) if kept else None,
                                 None, ""))  # fmt: skip
            if len(self.preview) < PREVIEW_ROWS:
                self.preview.append(row)
        self.count += 1
        if len(self.pending) >= ROWS_CHUNK:
            self.flush()

    def flush(self):
        self.loader.load(CustomerImportRow._meta.db_table, self.COLUMNS, self.pending)
        self.pending = []
        # Reading and checking is nine tenths of the work; the duplicate queries are the rest.
        import_batch_progress_report(self.batch.pk, min(90, 90 * self.count // self.expected_rows))


def _preview(rows):
    known = set(Customer.objects.filter(code__in=[r.code for r in rows]).values_list("code", flat=True))
    return [{"line": r.line, "code": r.code, "name": r.values.get("name", ""),
             "action": "update" if r.code in known else "create"} for r in rows]  # fmt: skip


def _check_into_batch(batch, stream):
    """Check the stream, writing its rows to CustomerImportRow; the batch fields that say what was found."""
    plan = ImportPlan(header=stream.header, encoding=stream.encoding, file_format=stream.file_format)
    with BulkLoader() as loader:
        writer = _RowWriter(batch, stream.expected_rows, loader)
        check_rows(plan, stream.rows, keep_rows=False, on_row=writer, keep_problems=PREVIEW_ERRORS, loader=loader)
        writer.flush()
    return {
        "encoding": plan.encoding or plan.file_format,
        "total_rows": plan.total_rows,
        "valid_rows": plan.valid_count,
        "error_count": plan.error_count,
        "errors": [e.as_dict() for e in plan.errors],
        "options": {
            **batch.options,
            "header": plan.header,
            "rejected_rows": plan.rejected_count,
            "warnings": [w.as_dict() for w in plan.warnings],
            "warning_count": plan.warning_count,
            "unknown_columns": plan.unknown_columns,
            "read_only_columns": plan.read_only_columns,
            "warning_groups": [group.as_dict() for group in plan.warning_groups],
            "preview": _preview(writer.preview),
        },
        "progress": 100,
    }


def customer_batch_validate(*, batch_id):
    """The check, run by a task: uploaded → validated (or failed, saying why). Does nothing for a batch that is
    not waiting for its check (a redelivered task after the preview or the confirmation)."""
    batch = ImportBatch.objects.get(pk=batch_id, kind=ImportBatch.Kind.CUSTOMERS)
    with import_batch_runner_lock(batch.pk) as locked:
        if not locked:
            return batch
        batch.refresh_from_db()
        if batch.state != State.UPLOADED:
            logger.info("customer import %s is %s: not checked again (a repeated or redelivered task)",
                        batch.pk, batch.state)  # fmt: skip
            return batch
        try:
            with batch.file.open("rb") as handle:
                stream = _open(handle.read(), batch.original_name)
            with transaction.atomic():
                CustomerImportRow.objects.filter(batch=batch).delete()  # a retried check starts afresh
                found = _check_into_batch(batch, stream)
                if not import_batch_transition(batch, to=State.VALIDATED, expected=State.UPLOADED, **found):
                    transaction.set_rollback(True)  # cancelled meanwhile: keep no rows
        except TableError as error:
            import_batch_fail(batch, message=str(error), expected=State.UPLOADED)
        except Exception as error:
            if is_transient(error):
                raise  # the task tries again later
            logger.exception("customer import %s: the check failed", batch.pk)
            import_batch_fail(batch, message=_("The file could not be checked: %(error)s") % {"error": error},
                              expected=State.UPLOADED)  # fmt: skip
            raise
    return batch


def customer_batch_confirm(*, batch, by, only_valid=False):
    """validated → confirmed, and queue the import. With errors, only when the user chose to import only the
    valid rows. Raises ImportNotAllowed otherwise (a double click finds the batch confirmed already)."""
    from customers import tasks

    require(by, "customers.import")
    batch.refresh_from_db()
    if batch.state != State.VALIDATED:
        raise ImportNotAllowed(_("This import has already been confirmed or cancelled."))
    if batch.error_count and not only_valid:
        raise ImportNotAllowed(_("The file has errors; nothing was imported."))
    if not batch.valid_rows:
        raise ImportNotAllowed(_("The file has no valid rows; there is nothing to import."))
    options = {**batch.options, "only_valid": bool(only_valid), "confirmed_by": by.pk}
    if not import_batch_transition(batch, to=State.CONFIRMED, expected=State.VALIDATED, options=options, progress=0):
        raise ImportNotAllowed(_("This import has already been confirmed or cancelled."))
    import_batch_progress_report(batch.pk, 0)
    import_batch_enqueue(batch, tasks.customer_import_run)
    return batch


def customer_batch_run(*, batch_id):
    """The import, run by a task: confirmed → running → done, in one transaction (all valid rows or none).
    A repeated or redelivered task finds the batch done (or another task on it) and does nothing."""
    batch = ImportBatch.objects.get(pk=batch_id, kind=ImportBatch.Kind.CUSTOMERS)
    with import_batch_runner_lock(batch.pk) as locked:
        if not locked or not import_batch_start_run(batch):
            return batch
        batch.refresh_from_db()
        by = get_user_model().objects.filter(pk=batch.options.get("confirmed_by")).first()
        try:
            with transaction.atomic():
                result = commit_batch_rows(
                    batch, by=by, reason=_("import %(file)s") % {"file": batch.original_name},
                    on_progress=lambda percent: import_batch_progress_report(batch.pk, percent),
                )
                CustomerImportRow.objects.filter(batch=batch, is_valid=True).delete()  # kept: the rejected rows
                done = import_batch_transition(
                    batch, to=State.DONE, expected=State.RUNNING,
                    created_count=result.created, updated_count=result.updated,
                    skipped_count=result.unchanged + batch.options.get("rejected_rows", 0),
                    options={**batch.options, "unchanged": result.unchanged}, progress=100,
                )  # fmt: skip
                if not done:
                    transaction.set_rollback(True)  # failed meanwhile (a task that gave up): write nothing
        except Exception as error:
            if is_transient(error):
                raise  # rolled back; the retried task takes the running batch over
            logger.exception("customer import %s failed", batch.pk)
            import_batch_fail(batch, message=_("The import failed and nothing was written: %(error)s") % {
                "error": error}, expected=State.RUNNING)
            raise
    return batch


def customer_batch_cancel(*, batch, by):
    """uploaded or validated → cancelled; nothing is written. Returns whether it was cancelled."""
    require(by, "customers.import")
    cancelled = import_batch_transition(batch, to=State.CANCELLED, expected={State.UPLOADED, State.VALIDATED})
    if cancelled:
        CustomerImportRow.objects.filter(batch=batch).delete()
    return cancelled


def customer_batch_rejected_csv(*, batch, by):
    """The rejected rows as the user sent them, plus the line number and the reasons, as a CSV file (UTF-8 with
    BOM) in a temporary file, spooled to disk when large. The caller closes it."""
    require(by, "customers.import")
    header = batch.options.get("header", [])
    rows = (CustomerImportRow.objects.filter(batch=batch, is_valid=False).order_by("line")
            .values_list("line", "raw", "reasons").iterator(chunk_size=2000))  # fmt: skip
    stream = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 -- returned to the caller
    write_csv(stream, [*header, "line", "errors"],
              ([*((raw or {}).get(c, "") for c in header), line, reasons] for line, raw, reasons in rows))  # fmt: skip
    stream.seek(0)
    return stream


def rejected_rows_csv(plan):
    """The rejected rows of an in-memory plan (the management command), as customer_batch_rejected_csv."""
    reasons = {}
    for error in plan.errors:
        reasons.setdefault(error.line, []).append(f"{error.column}: {error.reason}")
    header = [*plan.header, "line", "errors"]
    rows = ([*(row.raw.get(c, "") for c in plan.header), row.line, " / ".join(reasons[row.line])]
            for row in plan.rejected_rows)  # fmt: skip
    stream = io.BytesIO()
    write_csv(stream, header, rows)
    return stream.getvalue()
