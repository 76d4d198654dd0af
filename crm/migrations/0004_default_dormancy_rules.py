"""The default dormancy rules from the product brief; the manager edits them on the rules page."""
from django.db import migrations

DEFAULTS = [
    {"code": "inactivity", "days": 180},
    {"code": "halved", "ratio_percent": 50},
    # Off by default: meant for retail / member-card segments, switched on per tag or industry.
    {"code": "member_spend", "is_enabled": False, "amount_yen": 5000, "months_required": 4},
    {"code": "cycle_overdue", "multiplier": 2, "min_purchase_days": 3},
    {"code": "lost", "days": 730, "is_targeted": False},
    {"code": "one_time", "amount_yen": 10000, "is_targeted": False},
]


def create_defaults(apps, schema_editor):
    DormancyRule = apps.get_model("crm", "DormancyRule")
    for values in DEFAULTS:
        values = dict(values)
        code = values.pop("code")
        DormancyRule.objects.get_or_create(code=code, tag=None, industry="", defaults=values)


def remove_defaults(apps, schema_editor):
    DormancyRule = apps.get_model("crm", "DormancyRule")
    DormancyRule.objects.filter(tag=None, industry="").delete()


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_dormancy_engine")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
