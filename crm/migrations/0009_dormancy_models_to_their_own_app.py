"""The dormancy engine's models leave the core app for their own (crm.dormancy, label `dormancy`).

State only: the tables (crm_customerdormancy, crm_dormancyrule, crm_historicaldormancyrule, crm_statuschange,
crm_scanrun, crm_modelfit) stay as they are, rows included; dormancy 0001 adds the same models to its own state
with db_table set to these names. Nothing outside the engine points at them, so no other app's field moves.
"""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0008_dormancy_keys_and_indexes_for_bulk_writes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name='customerdormancy', name='applied_rule'),
                migrations.RemoveField(model_name='customerdormancy', name='customer'),
                migrations.RemoveField(model_name='dormancyrule', name='tag'),
                migrations.RemoveField(model_name='dormancyrule', name='updated_by'),
                migrations.RemoveField(model_name='historicaldormancyrule', name='history_user'),
                migrations.RemoveField(model_name='historicaldormancyrule', name='tag'),
                migrations.RemoveField(model_name='historicaldormancyrule', name='updated_by'),
                migrations.RemoveField(model_name='statuschange', name='scan_run'),
                migrations.RemoveField(model_name='statuschange', name='customer'),
                migrations.DeleteModel(name='ModelFit'),
                migrations.DeleteModel(name='CustomerDormancy'),
                migrations.DeleteModel(name='DormancyRule'),
                migrations.DeleteModel(name='HistoricalDormancyRule'),
                migrations.DeleteModel(name='ScanRun'),
                migrations.DeleteModel(name='StatusChange'),
            ],
            database_operations=[],
        ),
    ]
