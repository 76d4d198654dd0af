"""The scan as a whole: recorded changes, idempotence, crash safety, the lock, the model step, command and task."""
import datetime
import io
import threading

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from crm.dormancy import pipeline
from crm.dormancy.models import CustomerDormancy, DormancyRule, ModelFit, ScanRun, StatusChange
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.services import rule_update
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, customer_with, make_customer
from customers.maintenance.history import reason_display
from customers.purchases.summary import refresh_purchase_summaries

LATER = AS_OF + datetime.timedelta(days=30)


def snapshot():
    return sorted(CustomerDormancy.objects.values_list(
        "customer_id", "status", "rule", "reason", "dormant_since", "status_since", "priority_score", "p_alive",
        "expected_purchases_90d", "next_expected_purchase_on", "is_excluded", "as_of",
    ))


def book(n=25):
    """Enough varied buyers for the model to fit."""
    for k in range(n):
        customer_with([5 + 7 * k, 40 + 11 * k, 90 + 13 * k, 400 + k][: 1 + k % 4], amount=5_000 + 1_000 * k)


@pytest.mark.django_db
class TestRecordedChanges:
    def test_it_records_each_change_with_the_key_figures(self):
        c = make_customer()
        buy(c, ago(400), 12_000)
        buy(c, ago(200), 8_000)
        run = scan_dormancy(as_of=AS_OF)
        change = StatusChange.objects.get(customer=c)
        assert (change.from_status, change.to_status, change.rule, change.reason) == ("", "dormant", "inactivity", "product")
        assert (change.days_since_last_purchase, change.last_purchase_on, change.purchase_days) == (200, ago(200), 2)
        assert (change.total_amount, change.amount_last_12m, change.amount_prev_12m) == (20_000, 8_000, 12_000)
        assert (change.as_of, change.scan_run) == (AS_OF, run)
        assert run.counts["changes"] == {"-→dormant": 1}

    def test_it_records_a_reactivation_when_a_dormant_customer_buys_again(self):
        c = customer_with([200])
        scan_dormancy(as_of=AS_OF)
        buy(c, LATER - datetime.timedelta(days=1))
        run = scan_dormancy(as_of=LATER)
        last = StatusChange.objects.filter(customer=c).order_by("-as_of").first()
        assert (last.from_status, last.to_status, last.as_of) == ("dormant", "active", LATER)
        assert last.is_reactivation
        assert run.counts["changes"] == {"dormant→active": 1}
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.status, d.status_since, d.dormant_since) == ("active", LATER, None)

    def test_it_keeps_the_status_since_date_while_the_status_holds(self):
        c = customer_with([200])
        scan_dormancy(as_of=AS_OF)
        scan_dormancy(as_of=LATER)
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.status_since, d.as_of, d.days_since_last_purchase) == (AS_OF, LATER, 230)
        assert StatusChange.objects.filter(customer=c).count() == 1

    def test_it_does_not_record_prospects_as_changes(self):
        make_customer()
        run = scan_dormancy(as_of=AS_OF)
        assert not StatusChange.objects.exists()
        assert run.counts["statuses"] == {"prospect": 1}

    def test_it_drops_merged_and_retired_customers_from_the_current_state(self):
        gone = customer_with([200])
        scan_dormancy(as_of=AS_OF)
        gone.lifecycle = gone.Lifecycle.RETIRED
        gone.save()
        scan_dormancy(as_of=AS_OF)
        assert not CustomerDormancy.objects.filter(customer=gone).exists()
        assert StatusChange.objects.filter(customer=gone).exists()  # history stays

    def test_deleting_a_customer_deletes_its_engine_rows_without_database_keys(self):
        gone, kept = customer_with([200]), customer_with([300])
        scan_dormancy(as_of=AS_OF)
        gone.delete()
        assert list(CustomerDormancy.objects.values_list("customer_id", flat=True)) == [kept.pk]
        assert list(StatusChange.objects.values_list("customer_id", flat=True)) == [kept.pk]

    def test_a_new_date_rewrites_the_table_and_the_same_date_writes_only_differences(self):
        c, other = customer_with([170]), customer_with([20])
        scan_dormancy(as_of=AS_OF)
        later = scan_dormancy(as_of=AS_OF + datetime.timedelta(days=10))
        assert later.counts["rows_written"] == {"updated": 2, "inserted": 0, "deleted": 0}
        assert CustomerDormancy.objects.get(customer=c).status == "dormant"  # 180 days now
        buy(other, AS_OF + datetime.timedelta(days=10))
        refresh_purchase_summaries(as_of=AS_OF + datetime.timedelta(days=10), customer_ids=[other.pk])
        again = scan_dormancy(as_of=AS_OF + datetime.timedelta(days=10))
        assert again.counts["rows_written"] == {"updated": 1, "inserted": 0, "deleted": 0}
        assert CustomerDormancy.objects.get(customer=other).days_since_last_purchase == 0


@pytest.mark.django_db
class TestIdempotence:
    def test_it_changes_nothing_when_run_twice_for_the_same_date(self):
        book()
        customer_with([200, 500])
        first = scan_dormancy(as_of=AS_OF)
        before, changes = snapshot(), StatusChange.objects.count()
        second = scan_dormancy(as_of=AS_OF)
        assert second.outcome == "succeeded"
        assert snapshot() == before
        assert StatusChange.objects.count() == changes
        assert second.counts["changes"] == {} and second.counts["statuses"] == first.counts["statuses"]
        assert ModelFit.objects.count() == 1


@pytest.mark.django_db
class TestCrashSafety:
    def test_it_keeps_the_previous_state_when_a_step_fails(self, monkeypatch):
        c = customer_with([200])
        scan_dormancy(as_of=AS_OF)
        before = snapshot()
        buy(c, LATER - datetime.timedelta(days=2))

        def explode(ctx):
            raise RuntimeError("disk full")

        monkeypatch.setattr(pipeline, "STEPS", [*pipeline.STEPS[:-1], explode, pipeline.STEPS[-1]])
        with pytest.raises(RuntimeError):
            scan_dormancy(as_of=LATER, triggered_by="test")
        assert snapshot() == before
        assert StatusChange.objects.filter(as_of=LATER).count() == 0
        run = ScanRun.objects.get(as_of=LATER)
        assert run.outcome == "failed" and "disk full" in run.error and run.finished_at
        assert "fit_and_score_model" in run.step_seconds
        monkeypatch.undo()
        assert scan_dormancy(as_of=LATER).outcome == "succeeded"


@pytest.mark.django_db
class TestCacheLock:
    def test_it_refuses_a_second_run_while_the_lock_is_held(self):
        if connection.vendor == "postgresql":
            pytest.skip("PostgreSQL uses the advisory lock: see TestAdvisoryLock")
        customer_with([200])
        assert cache.add(pipeline.CACHE_LOCK, "other run")
        run = scan_dormancy(as_of=AS_OF, triggered_by="second")
        assert (run.outcome, run.triggered_by) == ("refused", "second")
        assert not CustomerDormancy.objects.exists()
        cache.delete(pipeline.CACHE_LOCK)
        assert scan_dormancy(as_of=AS_OF).outcome == "succeeded"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestAdvisoryLock:
    def test_it_refuses_a_concurrent_run_from_another_connection(self, monkeypatch):
        customer_with([200])
        inside, release = threading.Event(), threading.Event()

        def hold(ctx):
            inside.set()
            assert release.wait(30)

        monkeypatch.setattr(pipeline, "STEPS", [hold, *pipeline.STEPS])
        outcome = {}

        def first():
            try:
                outcome["first"] = scan_dormancy(as_of=AS_OF, triggered_by="first").outcome
            finally:
                connection.close()

        thread = threading.Thread(target=first)
        thread.start()
        try:
            assert inside.wait(30)
            second = scan_dormancy(as_of=AS_OF, triggered_by="second")
        finally:
            release.set()
            thread.join(30)
        assert second.outcome == "refused"
        assert outcome["first"] == "succeeded"
        assert CustomerDormancy.objects.get().status == "dormant"
        assert StatusChange.objects.count() == 1
        assert dict(ScanRun.objects.values_list("triggered_by", "outcome")) == {"first": "succeeded", "second": "refused"}


@pytest.mark.django_db
class TestDefaultRules:
    def test_it_puts_back_a_missing_default_rule_instead_of_calling_everyone_active(self):
        DormancyRule.objects.all().delete()
        c = customer_with([200])
        run = scan_dormancy(as_of=AS_OF)
        assert CustomerDormancy.objects.get(customer=c).status == "dormant"
        restored = DormancyRule.objects.get(code="inactivity", tag=None, industry="")
        assert restored.days == 180
        assert restored.history.get().history_change_reason == "default restored by the scan"
        assert len(run.counts["rules_restored"]) == 6 and "prepare_rules" in run.step_seconds

    def test_the_rule_history_names_the_restoring_in_the_reader_s_language(self):
        DormancyRule.objects.all().delete()
        scan_dormancy(as_of=AS_OF)
        reason = DormancyRule.objects.get(code="lost", tag=None, industry="").history.get().history_change_reason
        with translation.override("ja"):
            assert reason_display(reason) == "判定処理が既定のルールを復元"
        with translation.override("en"):
            assert reason_display(reason) == "Default rule restored by the scan"

    def test_the_rule_history_names_an_edit_on_the_rules_page_in_the_reader_s_language(self, manager):
        rule = DormancyRule.objects.get(code="halved", tag=None, industry="")
        rule.ratio_percent = 40
        reason = rule_update(rule=rule, by=manager).history.first().history_change_reason
        with translation.override("ja"):
            assert reason_display(reason) == "休眠判定ルールの画面で変更"
        with translation.override("en"):
            assert reason_display(reason) == "Changed on the dormancy rules page"

    def test_it_leaves_the_rules_alone_when_every_default_is_there(self):
        before = list(DormancyRule.objects.order_by("pk").values())
        run = scan_dormancy(as_of=AS_OF)
        assert "rules_restored" not in run.counts
        assert list(DormancyRule.objects.order_by("pk").values()) == before


@pytest.mark.django_db
class TestModelStep:
    def test_it_fits_the_model_and_scores_every_buyer(self):
        book(30)
        prospect = make_customer()
        run = scan_dormancy(as_of=AS_OF)
        fit = ModelFit.objects.get(fitted_on=AS_OF)
        assert fit.n_customers == 30 and fit.log_likelihood < 0
        assert run.counts["model"]["n_customers"] == 30
        scored = CustomerDormancy.objects.exclude(customer=prospect)
        assert all(0 < d.p_alive <= 1 and d.expected_purchases_90d >= 0 for d in scored)
        assert CustomerDormancy.objects.get(customer=prospect).p_alive is None

    def test_it_skips_the_model_for_a_handful_of_customers(self):
        customer_with([10, 40])
        run = scan_dormancy(as_of=AS_OF)
        assert run.counts["model"]["skipped"]
        assert not ModelFit.objects.exists()

    def test_it_predicts_the_next_purchase_from_the_median_interval(self):
        c = customer_with([10, 40, 100])  # gaps 60, 30 → median 45
        scan_dormancy(as_of=AS_OF)
        assert CustomerDormancy.objects.get(customer=c).next_expected_purchase_on == ago(10) + datetime.timedelta(days=45)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestSummaryWriteLock:
    def test_a_summary_write_waits_for_the_scan_and_the_next_scan_recomputes_it(self, monkeypatch):
        c = customer_with([200])
        refresh_purchase_summaries(as_of=AS_OF)
        scan_dormancy(as_of=AS_OF)
        inside, release = threading.Event(), threading.Event()

        def hold(ctx):
            inside.set()
            assert release.wait(30)

        monkeypatch.setattr(pipeline, "STEPS", [hold, *pipeline.STEPS])
        done = threading.Event()

        def scan():
            try:
                scan_dormancy(as_of=LATER)
            finally:
                connection.close()

        def import_a_purchase():
            try:
                buy(c, LATER - datetime.timedelta(days=1), 5_000)
                refresh_purchase_summaries(as_of=LATER, customer_ids=[c.pk])
                done.set()
            finally:
                connection.close()

        scanner = threading.Thread(target=scan)
        scanner.start()
        assert inside.wait(30)
        writer = threading.Thread(target=import_a_purchase)
        writer.start()
        try:
            assert not done.wait(1.5)  # held off while the scan runs
        finally:
            release.set()
            scanner.join(30)
            writer.join(30)
        assert done.is_set()
        monkeypatch.undo()
        run = scan_dormancy(as_of=LATER)
        assert run.counts["figures"]["touched"] == 1
        d = CustomerDormancy.objects.get(customer=c)
        assert (d.status, d.days_since_last_purchase) == ("active", 1)


@pytest.mark.django_db
class TestCommandAndSchedule:
    def test_it_prints_counts_per_status_and_change(self):
        customer_with([200])
        customer_with([5])
        make_customer()
        out = io.StringIO()
        call_command("scan_dormancy", "--as-of", "2026-06-30", stdout=out)
        text = out.getvalue()
        assert "as of 2026-06-30: succeeded" in text
        assert "dormant" in text and "-→dormant" in text and "-→active" in text
        run = ScanRun.objects.get()
        assert (run.triggered_by, run.counts["statuses"]) == ("command", {"active": 1, "dormant": 1, "prospect": 1})

    def test_it_rejects_a_malformed_date(self):
        with pytest.raises(CommandError):
            call_command("scan_dormancy", "--as-of", "30/06/2026")
        assert not ScanRun.objects.exists()

    def test_it_schedules_the_nightly_scan_at_two_in_tokyo_with_an_expiry(self):
        task = PeriodicTask.objects.get(task="crm.dormancy.tasks.scan_dormancy_nightly")
        assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("2", "0", "Asia/Tokyo")
        assert task.enabled and task.expire_seconds

    def test_it_schedules_a_task_the_workers_know_by_that_name(self):
        from config.celery import app

        app.loader.import_default_modules()
        (name,) = PeriodicTask.objects.filter(name="dormancy: nightly scan").values_list("task", flat=True)
        assert name in app.tasks

    def test_it_runs_the_scan_from_the_task(self):
        from crm.dormancy.tasks import scan_dormancy_nightly

        customer_with([200])
        result = scan_dormancy_nightly.apply(kwargs={"as_of": "2026-06-30"}).get()
        run = ScanRun.objects.get(pk=result["scan_run"])
        assert (run.outcome, run.as_of, run.triggered_by) == ("succeeded", AS_OF, "beat")
