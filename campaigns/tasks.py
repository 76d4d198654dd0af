"""The campaigns' Celery tasks. Celery's autodiscovery imports each app's tasks.py only, so the delivery tasks,
which live with their code in campaigns.delivery, are imported here for the workers to know them by name."""
from .delivery.tasks import letter_batch_render, outbox_send, outbox_sweep

__all__ = ["letter_batch_render", "outbox_send", "outbox_sweep"]
