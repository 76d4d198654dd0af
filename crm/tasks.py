"""Celery tasks of the core app: thin wrappers around services."""
from celery import shared_task


@shared_task
def ping():
    """Round-trip check for the broker and workers."""
    return "pong"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_dormancy_nightly(as_of=None, triggered_by="beat"):
    """The nightly dormancy scan (django-celery-beat, 02:00 Asia/Tokyo). Idempotent, so a redelivery is harmless."""
    from crm.dormancy.pipeline import scan_dormancy
    from crm.dormancy.services import parse_as_of

    run = scan_dormancy(as_of=parse_as_of(as_of), triggered_by=triggered_by)
    return {"scan_run": run.pk, "outcome": run.outcome}
