"""Purchase imports started from the UI, as an ImportBatch moved by customers.import_states:
uploaded → validated (the preview) → confirmed → running → done, or cancelled / failed (with the reason).
Each step is a service; the Celery tasks call the check and the import with the batch id.

The check is a dry run of the importer; the import runs it again for real (2–3 s for 500,000 rows, and the
rows are identified by row_key, so a repeated import adds nothing).
"""
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from crm.files import private_name
from crm.permissions import require
from customers.import_states import (
    import_batch_enqueue,
    import_batch_fail,
    import_batch_runner_lock,
    import_batch_start_run,
    import_batch_transition,
    is_transient,
)
from customers.models import ImportBatch
from customers.tabular import TableError

from .importer import MAX_REPORTED_ERRORS, purchases_import

logger = logging.getLogger(__name__)
State = ImportBatch.State


def purchase_batch_create(*, upload, by, create_missing_customers=False, create_missing_products=False):
    """Keep the uploaded file and queue its check; returns the batch (uploaded)."""
    from customers import tasks

    require(by, "purchases.import")
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.PURCHASES,
        file=upload,
        original_name=upload.name[:255],
        uploaded_by=by,
        options={"create_missing_customers": bool(create_missing_customers),
                 "create_missing_products": bool(create_missing_products)},
    )  # fmt: skip
    import_batch_enqueue(batch, tasks.purchase_import_validate)
    return batch


def _run(batch, **kwargs):
    with batch.file.open("rb") as handle:
        data = handle.read()
    return purchases_import(
        data=data,
        filename=batch.original_name,
        user=batch.uploaded_by,
        create_missing_customers=batch.options.get("create_missing_customers", False),
        create_missing_products=batch.options.get("create_missing_products", False),
        batch=batch,
        **kwargs,
    )


def purchase_batch_validate(*, batch_id):
    """Dry run for the preview page: uploaded → validated (or failed, saying why). A batch that is not waiting for
    its check (a redelivered task after the preview or the confirmation) is left alone."""
    batch = ImportBatch.objects.get(pk=batch_id, kind=ImportBatch.Kind.PURCHASES)
    with import_batch_runner_lock(batch.pk) as locked:
        if not locked:
            return
        batch.refresh_from_db()
        if batch.state != State.UPLOADED:
            logger.info("purchase import %s is %s: not checked again (a repeated or redelivered task)",
                        batch.pk, batch.state)  # fmt: skip
            return
        try:
            result = _run(batch, dry_run=True)
        except TableError as exc:
            import_batch_fail(batch, message=str(exc), expected=State.UPLOADED)
            return
        except Exception as exc:
            if is_transient(exc):
                raise  # the task tries again later
            logger.exception("purchase import %s: validation failed", batch_id)
            import_batch_fail(batch, message=_("The file could not be checked: %(error)s") % {"error": exc},
                              expected=State.UPLOADED)  # fmt: skip
            raise
        import_batch_transition(
            batch, to=State.VALIDATED, expected=State.UPLOADED,
            encoding=result.encoding, total_rows=result.total_rows, valid_rows=result.valid_rows,
            error_count=result.error_rows, errors=result.errors[:MAX_REPORTED_ERRORS],
            options={**batch.options, "missing_customers": result.missing_customers,
                     "missing_products": result.missing_products},
            progress=100,
        )  # fmt: skip


def purchase_batch_confirm(*, batch, by, only_valid):
    """validated → confirmed (the database decides who got it) and queue the import. Returns False when the batch
    was not waiting for confirmation (double click, another user) or has errors and only_valid is not set."""
    from customers import tasks

    require(by, "purchases.import")
    if batch.error_count and not only_valid:
        return False
    confirmed = import_batch_transition(
        batch, to=State.CONFIRMED, expected=State.VALIDATED, progress=0,
        options={**batch.options, "only_valid": bool(only_valid), "confirmed_by": by.pk},
    )  # fmt: skip
    if confirmed:
        import_batch_enqueue(batch, tasks.purchase_import_run)
    return confirmed


def purchase_batch_cancel(*, batch, by):
    """uploaded or validated → cancelled; returns whether it was cancelled."""
    require(by, "purchases.import")
    return import_batch_transition(batch, to=State.CANCELLED, expected={State.UPLOADED, State.VALIDATED})


def purchase_batch_run(*, batch_id):
    """The real import: confirmed → running → done. Idempotent (re-running adds nothing), and a repeated or
    redelivered task finds the batch done (or another task on it) and does nothing."""
    batch = ImportBatch.objects.get(pk=batch_id, kind=ImportBatch.Kind.PURCHASES)
    with import_batch_runner_lock(batch.pk) as locked:
        if not locked or not import_batch_start_run(batch):
            return
        batch.refresh_from_db()
        try:
            result = _run(batch, only_valid=batch.options.get("only_valid", False))
        except TableError as exc:
            import_batch_fail(batch, message=str(exc), expected=State.RUNNING)
            return
        except Exception as exc:
            if is_transient(exc):
                raise  # the retried task takes the running batch over
            logger.exception("purchase import %s failed", batch_id)
            import_batch_fail(batch, message=_("The import failed and nothing was written: %(error)s") % {
                "error": exc}, expected=State.RUNNING)
            raise
        options = {**batch.options, "created_customers": result.created_customers,
                   "created_products": result.created_products, "affected_customers": result.affected_customers,
                   "warnings": result.warnings[:MAX_REPORTED_ERRORS]}
        if result.rejected_csv:
            options["rejected_file"] = _save_rejected(batch, result.rejected_csv)
        import_batch_transition(
            batch, to=State.DONE, expected=State.RUNNING, options=options,
            total_rows=result.total_rows, valid_rows=result.valid_rows, error_count=result.error_rows,
            errors=result.errors[:MAX_REPORTED_ERRORS], created_count=result.created,
            skipped_count=result.already_imported, progress=100,
        )  # fmt: skip


def _save_rejected(batch, content):
    return default_storage.save(private_name("imports/rejected", default_suffix="csv"), ContentFile(content))
