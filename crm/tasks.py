"""Celery tasks of the core app: thin wrappers around services."""
from celery import shared_task


@shared_task
def ping():
    """Round-trip check for the broker and workers."""
    return "pong"
