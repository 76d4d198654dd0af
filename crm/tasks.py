"""Celery tasks of the core app: thin wrappers around services. Feature apps keep their tasks in their own tasks.py."""
from celery import shared_task


@shared_task
def ping():
    """Round-trip check for the broker and workers."""
    return "pong"
