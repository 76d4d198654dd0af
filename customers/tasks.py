"""Celery tasks of the customers app: thin wrappers taking ids and calling one service each."""
import logging
import smtplib

from celery import Task, shared_task

logger = logging.getLogger(__name__)


class ImportTask(Task):
    """Base of the import tasks: when a task gives up on a batch (its retries for an unreachable database or
    broker ran out, or an unexpected error), the batch says it failed and why instead of waiting forever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from customers.import_states import import_batch_failed_in_task

        batch_id = kwargs.get("batch_id", args[0] if args else None)
        try:
            import_batch_failed_in_task(batch_id, exc)
        except Exception:  # the database may still be away: the log is all that is left
            logger.exception("import batch %s: could not record the failure of %s", batch_id, self.name)


def _import_task(function):
    """An import task: acknowledged after it ran (a lost worker's task is delivered again, and the services make
    that harmless), retried with growing pauses when the database or the broker cannot be reached; never
    retried for a problem of the file, which the batch reports instead."""
    from customers.import_states import TRANSIENT_ERRORS

    return shared_task(
        base=ImportTask, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=6,
    )(function)  # fmt: skip


@_import_task
def customer_import_validate(batch_id):
    """Check an uploaded customer file once and keep its rows for the preview and the import."""
    from customers.customer_import import customer_batch_validate

    customer_batch_validate(batch_id=batch_id)


@_import_task
def customer_import_run(batch_id):
    """Import a confirmed customer file from its checked rows."""
    from customers.customer_import import customer_batch_run

    customer_batch_run(batch_id=batch_id)


@_import_task
def purchase_import_validate(batch_id):
    """Check an uploaded purchases file (dry run) for the preview page."""
    from customers.purchases.batches import purchase_batch_validate

    purchase_batch_validate(batch_id=batch_id)


@_import_task
def purchase_import_run(batch_id):
    """Import a confirmed purchases file; safe to run twice (rows are identified by row_key)."""
    from customers.purchases.batches import purchase_batch_run

    purchase_batch_run(batch_id=batch_id)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError),
    retry_backoff=30,
    max_retries=5,
)
def inquiry_send_consent_confirmation(self, inquiry_id, site_url, language=""):
    """Mail the double opt-in link of a web inquiry; retried on transient trouble (a duplicate mail is harmless)."""
    from customers.inquiry.consent import inquiry_consent_mail_send

    try:
        inquiry_consent_mail_send(inquiry_id=inquiry_id, site_url=site_url, language=language)
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:  # "try again later"; 5xx is final
            raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True)
def evaluate_review_rules():
    """Nightly (django-celery-beat, 03:00 Asia/Tokyo, after the dormancy scan): put the records the active review
    rules match on the maintainer's worklist. Idempotent: a record already flagged by a rule is not flagged again."""
    from customers.maintenance.rules import review_rules_evaluate

    flagged = review_rules_evaluate()
    return {str(rule_id): n for rule_id, n in flagged.items()}


@shared_task(acks_late=True, reject_on_worker_lost=True, expires=6 * 3600)
def find_duplicates():
    """The duplicate search behind the review queue (the queue's "Search again" button; schedule it nightly with
    django-celery-beat if wanted). Idempotent: a run replaces the stored candidates, decided pairs are never stored."""
    from customers.duplicates.services import duplicates_refresh

    return duplicates_refresh()
