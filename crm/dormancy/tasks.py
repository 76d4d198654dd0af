"""Celery tasks of the dormancy engine: thin wrappers around its services."""
from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_dormancy_nightly(as_of=None, triggered_by="beat"):
    """The nightly dormancy scan (django-celery-beat, 02:00 Asia/Tokyo). Idempotent, so a redelivery is harmless.

    Its dotted name is stored in the schedule's PeriodicTask row (migrations crm 0005, dormancy 0002).
    """
    from .pipeline import scan_dormancy
    from .services import parse_as_of

    run = scan_dormancy(as_of=parse_as_of(as_of), triggered_by=triggered_by)
    return {"scan_run": run.pk, "outcome": run.outcome}
