"""Purchase imports started from the UI: an ImportBatch moves uploaded → validating → previewed →
importing → done (or failed / cancelled). Each step is a service the Celery tasks call with the batch id.
"""
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ImportBatch
from customers.tabular import TableError

from .importer import MAX_REPORTED_ERRORS, purchases_import

logger = logging.getLogger(__name__)
State = ImportBatch.State


def purchase_batch_create(*, upload, user, create_missing_customers=False, create_missing_products=False):
    """Keep the uploaded file and queue its validation; returns the batch."""
    from customers import tasks

    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.PURCHASES,
        state=State.VALIDATING,
        file=upload,
        original_name=upload.name[:255],
        uploaded_by=user,
        options={"create_missing_customers": bool(create_missing_customers),
                 "create_missing_products": bool(create_missing_products)},
    )
    transaction.on_commit(lambda: tasks.purchase_import_validate.delay(batch.pk))
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


def _fail(batch, message):
    ImportBatch.objects.filter(pk=batch.pk).update(state=State.FAILED, message=message, finished_at=timezone.now())


def purchase_batch_validate(*, batch_id):
    """Dry run: counts and the error report for the preview page."""
    batch = ImportBatch.objects.get(pk=batch_id, kind=ImportBatch.Kind.PURCHASES)
    try:
        result = _run(batch, dry_run=True)
    except TableError as exc:
        _fail(batch, str(exc))
        return
    except Exception as exc:
        logger.exception("purchase import %s: validation failed", batch_id)
        _fail(batch, _("The file could not be checked: %(error)s") % {"error": exc})
        raise
    batch.encoding = result.encoding
    batch.total_rows, batch.valid_rows, batch.error_count = result.total_rows, result.valid_rows, result.error_rows
    batch.errors = result.errors[:MAX_REPORTED_ERRORS]
    batch.options = {**batch.options, "missing_customers": result.missing_customers,
                     "missing_products": result.missing_products}
    batch.state, batch.progress = State.PREVIEWED, 100
    batch.save(update_fields=["encoding", "total_rows", "valid_rows", "error_count", "errors", "options", "state",
                              "progress"])


def purchase_batch_confirm(*, batch, only_valid):
    """Claim the previewed batch for importing (the database decides who got it) and queue the work.
    Returns False when it was not waiting for confirmation (double click, another user)."""
    from customers import tasks

    if batch.error_count and not only_valid:
        return False
    claimed = ImportBatch.objects.filter(pk=batch.pk, state=State.PREVIEWED).update(
        state=State.IMPORTING, progress=0, options={**batch.options, "only_valid": bool(only_valid)})
    if claimed:
        transaction.on_commit(lambda: tasks.purchase_import_run.delay(batch.pk))
    return bool(claimed)


def purchase_batch_cancel(*, batch):
    return bool(ImportBatch.objects.filter(pk=batch.pk, state=State.PREVIEWED).update(
        state=State.CANCELLED, finished_at=timezone.now()))


def purchase_batch_run(*, batch_id):
    """The real import; idempotent (re-running adds nothing), so a redelivered task is harmless."""
    batch = ImportBatch.objects.get(pk=batch_id, kind=ImportBatch.Kind.PURCHASES)
    if batch.state != State.IMPORTING:
        return
    try:
        result = _run(batch, only_valid=batch.options.get("only_valid", False))
    except TableError as exc:
        _fail(batch, str(exc))
        return
    except Exception as exc:
        logger.exception("purchase import %s failed", batch_id)
        _fail(batch, _("The import failed and nothing was written: %(error)s") % {"error": exc})
        raise
    if result.rejected_csv:
        batch.options = {**batch.options, "rejected_file": _save_rejected(batch, result.rejected_csv)}
    batch.total_rows, batch.valid_rows, batch.error_count = result.total_rows, result.valid_rows, result.error_rows
    batch.errors = result.errors[:MAX_REPORTED_ERRORS]
    batch.created_count, batch.skipped_count = result.created, result.already_imported
    batch.options = {**batch.options, "created_customers": result.created_customers,
                     "created_products": result.created_products, "affected_customers": result.affected_customers}
    batch.state, batch.progress, batch.finished_at = State.DONE, 100, timezone.now()
    batch.save(update_fields=["options", "total_rows", "valid_rows", "error_count", "errors", "created_count",
                              "skipped_count", "state", "progress", "finished_at"])


def _save_rejected(batch, content):
    from django.core.files.storage import default_storage

    return default_storage.save(f"imports/rejected/purchases-{batch.pk}.csv", ContentFile(content))
