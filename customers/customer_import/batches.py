"""The web import's state machine on ImportBatch: uploaded -> previewed -> importing -> done (or failed/cancelled).

The file is kept with the batch and validated again at confirmation, so what is written is checked
against the data as it is at that moment, not as it was at upload.
"""
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import require
from customers.models import Customer, ImportBatch
from customers.tabular import TableError, read_table, write_csv

from .commit import commit_rows
from .validation import REQUIRED_COLUMNS, validate_table

PREVIEW_ERRORS = 500  # errors kept on the batch for the preview; the rejected-rows file has all of them
PREVIEW_ROWS = 20


def plan_for_bytes(data, name):
    table = read_table(data, name, required_columns=REQUIRED_COLUMNS)
    return validate_table(table)


def _plan_for_batch(batch):
    with batch.file.open("rb") as handle:
        return plan_for_bytes(handle.read(), batch.original_name)


def import_batch_create(*, upload, by):
    """Store the upload and validate it (nothing else is written). Returns the batch in PREVIEWED or FAILED."""
    require(by, "customers.import")
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.CUSTOMERS, file=upload, original_name=upload.name, uploaded_by=by
    )
    try:
        plan = _plan_for_batch(batch)
    except TableError as exc:
        batch.state, batch.message, batch.finished_at = ImportBatch.State.FAILED, str(exc), timezone.now()
        batch.save(update_fields=["state", "message", "finished_at"])
        return batch
    valid = plan.valid_rows
    known = set(Customer.objects.filter(code__in=[r.code for r in valid[:PREVIEW_ROWS]]).values_list("code", flat=True))
    batch.encoding = plan.encoding or plan.file_format
    batch.total_rows = plan.total_rows
    batch.valid_rows = len(valid)
    batch.error_count = len(plan.errors)
    batch.errors = [e.as_dict() for e in plan.errors[:PREVIEW_ERRORS]]
    batch.options = {
        "warnings": [w.as_dict() for w in plan.warnings[:PREVIEW_ERRORS]],
        "warning_count": len(plan.warnings),
        "unknown_columns": plan.unknown_columns,
        "preview": [
            {"line": r.line, "code": r.code, "name": r.values.get("name", ""),
             "action": "update" if r.code in known else "create"}
            for r in valid[:PREVIEW_ROWS]
        ],
    }  # fmt: skip
    batch.state = ImportBatch.State.PREVIEWED
    batch.save()
    return batch


class ImportNotAllowed(Exception):
    """The batch cannot be imported as asked (already done, or errors without 'only valid rows')."""


def import_batch_confirm(*, batch, by, only_valid=False):
    """Write the batch's rows. With errors, only when the user chose to import only the valid rows."""
    require(by, "customers.import")
    # Claim the batch: a double click or a second tab cannot import it twice.
    claimed = ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PREVIEWED).update(
        state=ImportBatch.State.IMPORTING
    )
    if not claimed:
        raise ImportNotAllowed(_("This import has already been confirmed or cancelled."))
    try:
        plan = _plan_for_batch(batch)
        if plan.errors and not only_valid:
            ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.PREVIEWED)
            raise ImportNotAllowed(_("The file has errors; nothing was imported."))
        with transaction.atomic():
            result = commit_rows(plan.valid_rows, by=by, reason=_("import %(file)s") % {"file": batch.original_name})
            batch.state = ImportBatch.State.DONE
            batch.created_count, batch.updated_count = result.created, result.updated
            batch.skipped_count = result.unchanged + len(plan.rejected_rows)
            batch.valid_rows, batch.error_count = len(plan.valid_rows), len(plan.errors)
            batch.options = {**batch.options, "only_valid": only_valid, "unchanged": result.unchanged}
            batch.progress, batch.finished_at = 100, timezone.now()
            batch.save()
    except ImportNotAllowed:
        raise
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED, message=str(exc), finished_at=timezone.now()
        )
        raise
    return batch


def import_batch_cancel(*, batch, by):
    require(by, "customers.import")
    return ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PREVIEWED).update(
        state=ImportBatch.State.CANCELLED, finished_at=timezone.now()
    )


def rejected_rows_csv(plan):
    """The rejected rows as the user sent them, plus the line number and the reasons (UTF-8 with BOM)."""
    reasons = {}
    for error in plan.errors:
        reasons.setdefault(error.line, []).append(f"{error.column}: {error.reason}")
    header = [*plan.header, "line", "errors"]
    rows = ([*(row.raw.get(c, "") for c in plan.header), row.line, " / ".join(reasons[row.line])]
            for row in plan.rejected_rows)  # fmt: skip
    stream = io.BytesIO()
    write_csv(stream, header, rows)
    return stream.getvalue()


def import_batch_rejected_csv(batch):
    return rejected_rows_csv(_plan_for_batch(batch))
