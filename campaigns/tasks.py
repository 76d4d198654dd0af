"""The campaigns' Celery tasks. Celery's autodiscovery imports each app's tasks.py only, so the delivery tasks,
which live with their code in campaigns.delivery, are imported here for the workers to know them by name."""
from celery import shared_task

from .delivery.tasks import letter_batch_render, outbox_send, outbox_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True)
def contact_caps_count(only_if_due=False):
    """Count the frequency cap anew (campaigns.caps): after the nightly scan, a change of the cap, or — when
    `only_if_due` — once delivery has contacted many customers since the last count."""
    from . import caps

    if only_if_due and not caps.caps_recount_due():
        return
    caps.contact_caps_count()


__all__ = ["contact_caps_count", "letter_batch_render", "outbox_send", "outbox_sweep"]
