"""Celery tasks of the customers app: thin wrappers taking ids and calling one service each."""
import smtplib

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
