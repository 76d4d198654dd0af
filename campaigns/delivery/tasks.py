"""Celery tasks of delivery: thin wrappers taking ids, queued with transaction.on_commit."""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=8)
def outbox_send(self, step_id=None):
    """Send queued e-mails batch by batch until none is left; the server being away retries with backoff
    (30 s, 1, 2, 4 … minutes). A worker killed here is harmless: its rows' lease runs out and the next run
    takes them (campaigns.delivery.outbox)."""
    from . import outbox

    try:
        while True:
            counts = outbox.outbox_send_batch(step_id=step_id)
            if not counts["claimed"]:
                break
    except outbox.TransientSendError as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2 ** self.request.retries, 3600)) from exc


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_sweep():
    """Periodic (beat): send what is queued or whose worker died, and catch up contacts not yet recorded."""
    from . import outbox

    outbox_send.delay()
    outbox.record_sent_contacts()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def letter_batch_render(batch_id):
    """Render a letter batch's PDF (progress on the batch row, shown by its page)."""
    from . import letters

    letters.letter_batch_render_run(batch_id=batch_id)
