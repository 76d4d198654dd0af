"""A history row ("created", as the rule is now) for each dormancy rule that has none: the defaults were written by a
migration, which records no history, so the first change on the rules page had nothing to be compared with."""
from django.db import migrations

HISTORY_META = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def record_baseline(apps, schema_editor):
    Rule = apps.get_model("dormancy", "DormancyRule")
    Historical = apps.get_model("dormancy", "HistoricalDormancyRule")
    recorded = Historical.objects.values("id")
    columns = [f.attname for f in Historical._meta.concrete_fields if f.name not in HISTORY_META]
    Historical.objects.bulk_create(
        Historical(**{name: getattr(rule, name) for name in columns}, history_date=rule.updated_at,
                   history_type="+", history_change_reason="")
        for rule in Rule.objects.exclude(pk__in=recorded)
    )


class Migration(migrations.Migration):
    dependencies = [("dormancy", "0006_status_customer_index")]

    operations = [migrations.RunPython(record_baseline, migrations.RunPython.noop)]
