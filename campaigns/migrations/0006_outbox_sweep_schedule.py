# The outbox sweep: every 10 minutes, send what is queued and take back what a dead worker left in "sending".
from django.db import migrations

SCHEDULE_NAME = "campaigns: outbox sweep"


def create_schedule(apps, schema_editor):
    """Without it a message whose worker died would wait for the next send; expiring so a backlog is skipped."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_10_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"task": "campaigns.delivery.tasks.outbox_sweep", "interval": every_10_minutes, "crontab": None,
                  "expire_seconds": 9 * 60, "enabled": True,
                  "description": "Send queued e-mails and retake those a dead worker left in 'sending'."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0005_sequences_feedback_response"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
