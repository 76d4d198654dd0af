"""The nightly dormancy scan in django-celery-beat: 02:00 Asia/Tokyo, expiring so a backlog never runs stale."""
from django.db import migrations

TASK_NAME = "dormancy: nightly scan"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Tokyo"
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "crm.tasks.scan_dormancy_nightly",
            "crontab": crontab,
            "interval": None,
            "expire_seconds": 4 * 3600,  # not started by 06:00: skip, tomorrow's run covers it
            "enabled": True,
            "description": "Classify customers, explain and rank dormancy, refit the BG/NBD model.",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_default_dormancy_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
