"""The Celery app. Tasks are discovered in each app's tasks.py; the schedule lives in django-celery-beat."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("mezame")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
