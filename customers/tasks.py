"""Celery tasks of the customers app: thin wrappers taking ids and calling one service each."""
from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def purchase_import_validate(batch_id):
    """Check an uploaded purchases file (dry run) for the preview page."""
    from customers.purchases.batches import purchase_batch_validate

    purchase_batch_validate(batch_id=batch_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def purchase_import_run(batch_id):
    """Import a confirmed purchases file; safe to run twice (rows are identified by row_key)."""
    from customers.purchases.batches import purchase_batch_run

    purchase_batch_run(batch_id=batch_id)
