"""The beat schedule the migrations write: every entry names a task the workers know, and expires (a backlog after
downtime must not run stale jobs); the outbox sweep runs often enough to pick up a dead worker's messages."""
import pytest
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def test_every_scheduled_task_is_known_to_the_workers_and_expires():
    from config.celery import app

    app.loader.import_default_modules()
    entries = list(PeriodicTask.objects.exclude(name__startswith="celery."))
    assert {e.name for e in entries} >= {"dormancy: nightly scan", "customers: review rules",
                                         "campaigns: outbox sweep"}
    for entry in entries:
        assert entry.task in app.tasks, entry.name
        assert entry.enabled and entry.expire_seconds, entry.name


def test_the_outbox_sweep_runs_every_ten_minutes_and_expires_before_the_next():
    sweep = PeriodicTask.objects.get(name="campaigns: outbox sweep")
    assert (sweep.interval.every, sweep.interval.period) == (10, "minutes")
    assert sweep.expire_seconds < 10 * 60
