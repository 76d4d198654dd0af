"""Duplicate candidates and the maintainer's decisions about them; the name and kana keys recomputed, since they now
fold old kanji forms (髙/高, 﨑/崎, 齋/斎/斉 …), hyphens as long vowels and legal forms in any bracket
(see customers.normalize). Only keys that change are written, a chunk at a time; no history rows (derived data).
"""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

CHUNK = 5_000


def recompute_keys(apps, schema_editor):
    from customers.normalize import kana_key, name_key  # the keys as the code computes them now: that is the point

    Customer = apps.get_model("customers", "Customer")
    rows = Customer.objects.values_list("pk", "name", "name_kana", "name_key", "kana_key").order_by("pk")
    changed = []
    for pk, name, reading, stored_name, stored_kana in rows.iterator(chunk_size=CHUNK):
        new_name, new_kana = name_key(name), kana_key(reading)
        if (new_name, new_kana) != (stored_name, stored_kana):
            changed.append(Customer(pk=pk, name_key=new_name, kana_key=new_kana))
        if len(changed) >= CHUNK:
            Customer.objects.bulk_update(changed, ["name_key", "kana_key"], batch_size=1_000)
            changed = []
    if changed:
        Customer.objects.bulk_update(changed, ["name_key", "kana_key"], batch_size=1_000)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0010_importbatch_private_file_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DuplicateCandidate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("score", models.PositiveSmallIntegerField(verbose_name="score")),
                ("reasons", models.JSONField(default=list, verbose_name="reasons")),
                ("found_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="found at")),
                ("customer_a", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                 to="customers.customer")),
                ("customer_b", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                 to="customers.customer")),
            ],
            options={
                "verbose_name": "duplicate candidate",
                "verbose_name_plural": "duplicate candidates",
                "ordering": ["-score", "customer_a_id", "customer_b_id"],
                "indexes": [models.Index(fields=["-score"], name="duplicate_candidate_score_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("customer_a", "customer_b"), name="duplicate_candidate_pair_unique"),
                    models.CheckConstraint(condition=models.Q(("customer_a__lt", models.F("customer_b"))),
                                           name="duplicate_candidate_ordered"),
                ],
            },
        ),
        migrations.CreateModel(
            name="DuplicatePairDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("decision", models.CharField(choices=[("rejected", "Not a duplicate"), ("accepted", "Duplicate")],
                                              max_length=10, verbose_name="decision")),
                ("score", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="score")),
                ("reasons", models.JSONField(blank=True, default=list, verbose_name="reasons")),
                ("decided_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="decided at")),
                ("customer_a", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                 to="customers.customer")),
                ("customer_b", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                 to="customers.customer")),
                ("decided_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL,
                                                 verbose_name="decided by")),
            ],
            options={
                "verbose_name": "duplicate decision",
                "verbose_name_plural": "duplicate decisions",
                "ordering": ["-decided_at"],
                "constraints": [
                    models.UniqueConstraint(fields=("customer_a", "customer_b"), name="duplicate_decision_pair_unique"),
                    models.CheckConstraint(condition=models.Q(("customer_a__lt", models.F("customer_b"))),
                                           name="duplicate_decision_ordered"),
                ],
            },
        ),
        migrations.RunPython(recompute_keys, migrations.RunPython.noop, elidable=True),
    ]
