"""Import batches as a state machine: uploaded → validated → confirmed → running → done | failed (cancelled from
uploaded or validated), and the checked rows of a customer file kept with its batch (CustomerImportRow).

Data: purchase batches map validating → uploaded, previewed → validated, importing → running (their tasks read
the file again). Customer batches were checked and imported inside the web request, so one still uploaded,
previewed or importing now has no checked rows and no task coming: it fails, saying to upload the file again
(these were the orphans left "uploaded" forever when a request died).
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone, translation

PURCHASES_FORWARD = {"validating": "uploaded", "previewed": "validated", "importing": "running"}
PURCHASES_BACKWARD = {"uploaded": "validating", "validated": "previewed", "confirmed": "importing", "running": "importing"}
CUSTOMERS_BACKWARD = {"validated": "previewed", "confirmed": "previewed", "running": "importing"}


def forward(apps, schema_editor):
    ImportBatch = apps.get_model("customers", "ImportBatch")
    for old, new in PURCHASES_FORWARD.items():
        ImportBatch.objects.filter(kind="purchases", state=old).update(state=new)
    with translation.override(settings.LANGUAGE_CODE):
        message = translation.gettext(
            "This file was checked by an earlier version of the import and cannot be imported from here. "
            "Please upload it again."
        )
    ImportBatch.objects.filter(kind="customers", state__in=["uploaded", "validating", "previewed", "importing"]).update(
        state="failed", message=message, finished_at=timezone.now()
    )


def backward(apps, schema_editor):
    ImportBatch = apps.get_model("customers", "ImportBatch")
    for kind, mapping in (("purchases", PURCHASES_BACKWARD), ("customers", CUSTOMERS_BACKWARD)):
        for new, old in mapping.items():
            ImportBatch.objects.filter(kind=kind, state=new).update(state=old)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0006_inquiry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importbatch",
            name="state",
            field=models.CharField(
                choices=[
                    ("uploaded", "Uploaded, being checked"),
                    ("validated", "Checked, awaiting confirmation"),
                    ("confirmed", "Confirmed, waiting to be imported"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="uploaded",
                max_length=20,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(forward, backward),
        migrations.CreateModel(
            name="CustomerImportRow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("line", models.PositiveIntegerField()),
                ("code", models.TextField(blank=True)),
                ("is_valid", models.BooleanField(default=True)),
                ("parsed", models.JSONField(blank=True, null=True)),
                ("kept", models.JSONField(blank=True, null=True)),
                ("raw", models.JSONField(blank=True, null=True)),
                ("reasons", models.TextField(blank=True)),
                (
                    "batch",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="customer_rows",
                        to="customers.importbatch",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("batch", "line"), name="customer_import_row_line_uniq")],
            },
        ),
    ]
