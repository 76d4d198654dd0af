"""The dormant list reads and sorts everything from CustomerDormancy: past spend and the two 12-month windows as of
the scan, and one partial index per sort key (priority, last purchase, past spend, days dormant, 12-month change)
over the listed statuses only (dormant, at risk, lost).

Existing rows get their figures from the purchase summaries (their windows may be a day or two apart from the
row's scan date; the next scan writes its own). Filled before the indexes exist, so the update writes no index.
"""

from django.db import migrations, models
from django.db.models.expressions import CombinedExpression

LISTED = models.Q(("status__in", ["dormant", "at_risk", "lost"]))


def copy_figures_from_summaries(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statement = (
            "UPDATE crm_customerdormancy d SET total_amount = s.total_amount, amount_last_12m = s.amount_last_12m, "
            "amount_prev_12m = s.amount_prev_12m FROM customers_customerpurchasesummary s "
            "WHERE s.customer_id = d.customer_id"
        )
    else:
        statement = (
            "UPDATE crm_customerdormancy SET (total_amount, amount_last_12m, amount_prev_12m) = ("
            "SELECT COALESCE(MAX(s.total_amount), 0), COALESCE(MAX(s.amount_last_12m), 0), "
            "COALESCE(MAX(s.amount_prev_12m), 0) FROM customers_customerpurchasesummary s "
            "WHERE s.customer_id = crm_customerdormancy.customer_id)"
        )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(statement)


def _list_index(name, key):
    return models.Index(key, models.F("customer_id"), condition=LISTED, name=name)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0001_initial"),
        ("dormancy", "0003_ranking_evaluation"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerdormancy",
            name="amount_last_12m",
            field=models.BigIntegerField(default=0, verbose_name="last 12 months"),
        ),
        migrations.AddField(
            model_name="customerdormancy",
            name="amount_prev_12m",
            field=models.BigIntegerField(default=0, verbose_name="previous 12 months"),
        ),
        migrations.AddField(
            model_name="customerdormancy",
            name="total_amount",
            field=models.BigIntegerField(default=0, verbose_name="past spend"),
        ),
        migrations.RunPython(copy_figures_from_summaries, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="customerdormancy",
            index=_list_index("dormancy_list_priority_idx", models.OrderBy(models.F("priority_score"), descending=True)),
        ),
        migrations.AddIndex(
            model_name="customerdormancy",
            index=_list_index("dormancy_list_last_idx", models.F("days_since_last_purchase")),
        ),
        migrations.AddIndex(
            model_name="customerdormancy",
            index=_list_index("dormancy_list_spend_idx", models.OrderBy(models.F("total_amount"), descending=True)),
        ),
        migrations.AddIndex(
            model_name="customerdormancy",
            index=_list_index("dormancy_list_since_idx", models.F("dormant_since")),
        ),
        migrations.AddIndex(
            model_name="customerdormancy",
            index=_list_index(
                "dormancy_list_change_idx",
                CombinedExpression(models.F("amount_last_12m"), "-", models.F("amount_prev_12m")),
            ),
        ),
    ]
