"""Recompute the customers' kana keys: readings now sort and search without their legal form at either end
(カブシキガイシャ …, (カ), ㈱, in any width), see customers.normalize.kana_key. The readings stay as typed.

Only keys that change are written, a chunk at a time; no history rows (the key is derived data).
"""
from django.db import migrations

CHUNK = 5_000


def recompute(apps, schema_editor):
    from customers.normalize import kana_key  # the key as the code computes it now: that is the point

    Customer = apps.get_model("customers", "Customer")
    rows = Customer.objects.exclude(name_kana="").values_list("pk", "name_kana", "kana_key").order_by("pk")
    changed = []
    for pk, reading, stored in rows.iterator(chunk_size=CHUNK):
        key = kana_key(reading)
        if key != stored:
            changed.append(Customer(pk=pk, kana_key=key))
        if len(changed) >= CHUNK:
            Customer.objects.bulk_update(changed, ["kana_key"], batch_size=1_000)
            changed = []
    if changed:
        Customer.objects.bulk_update(changed, ["kana_key"], batch_size=1_000)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_import_batch_states"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True)]
