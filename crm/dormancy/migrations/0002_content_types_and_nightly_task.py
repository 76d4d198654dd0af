"""Rows that still name the engine's old home, moved with it (dormancy 0001 moved the models, state only):

- the content types of the six models are renamed from app_label `crm` to `dormancy`, so the permissions, admin
  log entries and anything else keyed by content type keep pointing at the same models (on a fresh database there
  is nothing to rename yet: post_migrate creates them under `dormancy`);
- the nightly schedule (django-celery-beat, created by crm 0005) stores the task's dotted name, which moved from
  crm.tasks to crm.dormancy.tasks; the beat's change marker is touched so a running beat reloads its schedule.

Both directions are written, so `migrate crm 0008` puts everything back.
"""
from django.db import migrations
from django.utils import timezone

MODELS = ["customerdormancy", "dormancyrule", "historicaldormancyrule", "statuschange", "scanrun", "modelfit"]
OLD_TASK = "crm.tasks.scan_dormancy_nightly"
NEW_TASK = "crm.dormancy.tasks.scan_dormancy_nightly"


def _move_content_types(apps, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new_label, model=model).exists():
            continue  # already there (created by post_migrate): the old one, if any, is left for remove_stale_contenttypes
        ContentType.objects.filter(app_label=old_label, model=model).update(app_label=new_label)


def _rename_task(apps, old_name, new_name):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(task=old_name).update(task=new_name):
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def forwards(apps, schema_editor):
    _move_content_types(apps, "crm", "dormancy")
    _rename_task(apps, OLD_TASK, NEW_TASK)


def backwards(apps, schema_editor):
    _move_content_types(apps, "dormancy", "crm")
    _rename_task(apps, NEW_TASK, OLD_TASK)


class Migration(migrations.Migration):

    dependencies = [
        ("dormancy", "0001_initial"),
        ("crm", "0005_nightly_scan_schedule"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
