"""The move of the engine's models from crm to their own app keeps a database's rows (crm 0009, dormancy 0001–0002).

The database is migrated back to where the models still belonged to crm (crm 0008, dormancy unapplied), rows are
written through that state's models, then it is migrated forward: the same rows must be readable, linked and
writable through the new models, the content types must keep their ids under the new label, and the nightly
schedule must name the task's new module.
"""
import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from crm.dormancy.models import CustomerDormancy, DormancyRule, ModelFit, ScanRun, StatusChange

BEFORE_MOVE = [("crm", "0008_dormancy_keys_and_indexes_for_bulk_writes"), ("dormancy", None)]
OLD_TASK = "crm.tasks.scan_dormancy_nightly"
NEW_TASK = "crm.dormancy.tasks.scan_dormancy_nightly"
MOVED = ["customerdormancy", "dormancyrule", "historicaldormancyrule", "statuschange", "scanrun", "modelfit"]
AS_OF = datetime.date(2026, 6, 30)


def _migrate(targets):
    """Migrate to `targets` and return the models as they are at that point (historical models)."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _write_rows_as_crm_models(apps):
    """Rows of every moved table, written as the models were before the move (app label crm)."""
    customer = apps.get_model("customers", "Customer").objects.create(code="M0001", name="移行テスト建材")
    rule = apps.get_model("crm", "DormancyRule").objects.create(code="inactivity", industry="移行テスト", days=90)
    apps.get_model("crm", "HistoricalDormancyRule").objects.create(
        id=rule.pk, code="inactivity", industry="移行テスト", days=90, history_date=timezone.now(), history_type="+",
        history_change_reason="before the move",
    )
    run = apps.get_model("crm", "ScanRun").objects.create(as_of=AS_OF, outcome="succeeded", triggered_by="before")
    apps.get_model("crm", "StatusChange").objects.create(
        customer_id=customer.pk, from_status="active", to_status="dormant", rule="inactivity", as_of=AS_OF,
        scan_run_id=run.pk,
    )
    apps.get_model("crm", "CustomerDormancy").objects.create(
        customer_id=customer.pk, status="dormant", rule="inactivity", applied_rule_id=rule.pk, priority_score=42.0,
        as_of=AS_OF,
    )
    apps.get_model("crm", "ModelFit").objects.create(
        fitted_on=AS_OF, r=0.24, alpha=4.4, a=0.79, b=2.4, log_likelihood=-9582.4, n_customers=1,
    )
    crontab = apps.get_model("django_celery_beat", "CrontabSchedule").objects.create(minute="0", hour="2")
    apps.get_model("django_celery_beat", "PeriodicTask").objects.create(
        name="migration test: nightly scan", task=OLD_TASK, crontab=crontab,
    )
    return customer.pk, rule.pk, run.pk


@pytest.mark.django_db(transaction=True)
class TestMoveToTheDormancyApp:
    def test_rows_written_before_the_move_are_read_and_written_through_the_new_models(self):
        content_type_ids = dict(
            ContentType.objects.filter(app_label="dormancy", model__in=MOVED).values_list("model", "pk")
        )
        try:
            old_apps = _migrate(BEFORE_MOVE)
            old_types = old_apps.get_model("contenttypes", "ContentType").objects
            assert dict(old_types.filter(app_label="crm", model__in=MOVED).values_list("model", "pk")) == content_type_ids
            customer_id, rule_id, run_id = _write_rows_as_crm_models(old_apps)
        finally:
            _migrate(_latest())
            ContentType.objects.clear_cache()

        dormancy = CustomerDormancy.objects.select_related("applied_rule").get(customer_id=customer_id)
        assert (dormancy.status, dormancy.priority_score, dormancy.applied_rule_id) == ("dormant", 42.0, rule_id)
        assert dormancy.applied_rule.industry == "移行テスト"
        change = StatusChange.objects.select_related("scan_run").get(customer_id=customer_id)
        assert (change.from_status, change.to_status, change.scan_run.pk) == ("active", "dormant", run_id)
        assert ScanRun.objects.get(pk=run_id).triggered_by == "before"
        assert ModelFit.objects.get(fitted_on=AS_OF).log_likelihood == pytest.approx(-9582.4)
        assert DormancyRule.history.filter(id=rule_id).get().history_change_reason == "before the move"
        # The tables' sequences carried over: a new row follows the old ones.
        assert DormancyRule.objects.create(code="halved", industry="移行テスト", ratio_percent=40).pk > rule_id

    def test_content_types_keep_their_ids_and_permissions_under_the_new_label(self):
        rule_type = ContentType.objects.get(app_label="dormancy", model="dormancyrule")
        permission_ids = set(Permission.objects.filter(content_type=rule_type).values_list("pk", flat=True))
        assert permission_ids  # add/change/delete/view_dormancyrule
        try:
            old_apps = _migrate(BEFORE_MOVE)
            old_type = old_apps.get_model("contenttypes", "ContentType").objects.get(pk=rule_type.pk)
            assert (old_type.app_label, old_type.model) == ("crm", "dormancyrule")
        finally:
            _migrate(_latest())
            ContentType.objects.clear_cache()
        assert ContentType.objects.get(pk=rule_type.pk).app_label == "dormancy"
        assert ContentType.objects.get_for_model(DormancyRule).pk == rule_type.pk
        assert set(Permission.objects.filter(content_type=rule_type).values_list("pk", flat=True)) == permission_ids
        assert not ContentType.objects.filter(app_label="crm", model__in=MOVED).exists()

    def test_the_nightly_schedule_names_the_task_in_its_new_module(self):
        try:
            old_apps = _migrate(BEFORE_MOVE)
            _write_rows_as_crm_models(old_apps)
        finally:
            _migrate(_latest())
        assert not PeriodicTask.objects.filter(task=OLD_TASK).exists()
        assert PeriodicTask.objects.get(name="migration test: nightly scan").task == NEW_TASK
