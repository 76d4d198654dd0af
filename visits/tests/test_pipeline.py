"""Tasks made by the nightly scan and by campaign sequences: key accounts, each rep's top N, no duplicates,
idempotence."""
import datetime

import pytest
from django.utils import timezone

from crm.dormancy.models import ScanRun, StatusChange
from crm.dormancy.pipeline import STEPS, scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, make_customer
from visits import pipeline
from visits.models import VisitSettings, VisitTask

from .support import customer, visit_settings

pytestmark = pytest.mark.django_db


def open_tasks():
    return sorted(VisitTask.objects.filter(state="open").values_list("customer__name", "assigned_to__username",
                                                                     "kind", "source"))


class TestNightlyStep:
    def test_it_is_registered_in_the_scan(self):
        assert pipeline.nightly_visit_tasks in STEPS
        assert STEPS.index(pipeline.nightly_visit_tasks) > [s.__name__ for s in STEPS].index("record_changes")

    def test_it_gives_a_newly_dormant_key_account_a_visit_and_runs_once(self, rep, other_rep):
        visit_settings(top_dormant_per_rep=0)
        key = make_customer("山田建材", is_key_account=True, rep=rep)
        buy(key, ago(200), 50_000)
        plain = make_customer("小林工務店", rep=other_rep)
        buy(plain, ago(200), 50_000)
        active_key = make_customer("元気商事", is_key_account=True, rep=rep)
        buy(active_key, ago(5), 50_000)
        no_rep = make_customer("担当なし", is_key_account=True)
        buy(no_rep, ago(200), 50_000)
        run = scan_dormancy(as_of=AS_OF)
        assert open_tasks() == [("山田建材", "rep1", "visit", "nightly")]
        task = VisitTask.objects.get()
        assert (task.due_on, task.purpose, task.reason) == (AS_OF + datetime.timedelta(days=3), "reactivation", "product")
        assert task.priority is not None
        assert run.counts["visit_tasks"] == {"key_accounts": 1, "top_dormant": 0}
        again = scan_dormancy(as_of=AS_OF)
        assert VisitTask.objects.count() == 1
        assert again.counts["visit_tasks"] == {"key_accounts": 0, "top_dormant": 0}

    def test_it_gives_an_at_risk_key_account_a_visit_but_not_a_lost_one(self, rep):
        run = ScanRun.objects.create(as_of=AS_OF)
        for name, status in (("周期遅れ商店", "at_risk"), ("離脱商店", "lost")):
            c = customer(name, rep=rep, key=True, status=status, priority=70.0, as_of=AS_OF)
            StatusChange.objects.create(customer=c, from_status="active", to_status=status, as_of=AS_OF, scan_run=run)
        made = pipeline.create_key_account_tasks(run_id=run.pk, as_of=AS_OF, settings_row=VisitSettings.current(),
                                                 now=timezone.now())
        assert made == 1
        assert open_tasks() == [("周期遅れ商店", "rep1", "visit", "nightly")]


class TestTopDormantPerRep:
    def setup_rows(self, rep, other_rep, n=4):
        for k in range(n):
            customer(f"A{k}", rep=rep, status="dormant", priority=float(10 + k))
            customer(f"B{k}", rep=other_rep, status="dormant", priority=float(50 + k))
        customer("A-active", rep=rep, status="active", priority=99.0)
        customer("A-excluded", rep=rep, status="dormant", priority=98.0)
        from crm.dormancy.models import CustomerDormancy
        CustomerDormancy.objects.filter(customer__name="A-excluded").update(is_excluded=True)

    def test_it_hands_each_rep_his_n_highest_priority_dormant_customers(self, rep, other_rep):
        self.setup_rows(rep, other_rep)
        settings_row = visit_settings(top_dormant_per_rep=2)
        made = pipeline.create_top_dormant_tasks(as_of=AS_OF, settings_row=settings_row, now=timezone.now())
        assert made == 4
        assert open_tasks() == [("A2", "rep1", "phone", "nightly"), ("A3", "rep1", "phone", "nightly"),
                                ("B2", "rep2", "phone", "nightly"), ("B3", "rep2", "phone", "nightly")]
        assert VisitTask.objects.get(customer__name="A3").due_on == AS_OF + datetime.timedelta(days=7)

    def test_a_rerun_creates_nothing_new(self, rep, other_rep):
        self.setup_rows(rep, other_rep)
        settings_row = visit_settings(top_dormant_per_rep=2)
        pipeline.create_top_dormant_tasks(as_of=AS_OF, settings_row=settings_row, now=timezone.now())
        assert pipeline.create_top_dormant_tasks(as_of=AS_OF, settings_row=settings_row, now=timezone.now()) == 0
        assert VisitTask.objects.count() == 4

    def test_a_task_just_closed_lets_the_next_customer_in(self, rep, other_rep):
        self.setup_rows(rep, other_rep)
        settings_row = visit_settings(top_dormant_per_rep=2)
        pipeline.create_top_dormant_tasks(as_of=AS_OF, settings_row=settings_row, now=timezone.now())
        VisitTask.objects.filter(customer__name="A3").update(state="done", closed_at=timezone.now())
        assert pipeline.create_top_dormant_tasks(as_of=AS_OF, settings_row=settings_row, now=timezone.now()) == 1
        assert [t[0] for t in open_tasks() if t[1] == "rep1"] == ["A1", "A2"]

    def test_a_key_account_in_the_top_n_gets_a_visit_not_a_call(self, rep):
        customer("大口", rep=rep, key=True, status="dormant", priority=90.0)
        settings_row = visit_settings(top_dormant_per_rep=1)
        pipeline.create_top_dormant_tasks(as_of=AS_OF, settings_row=settings_row, now=timezone.now())
        assert open_tasks() == [("大口", "rep1", "visit", "nightly")]

    def test_an_existing_open_task_of_the_same_purpose_is_kept(self, rep):
        c = customer("既存", rep=rep, status="dormant", priority=90.0)
        VisitTask.objects.create(customer=c, assigned_to=rep, due_on=AS_OF, source="manual", note="手動")
        settings_row = visit_settings(top_dormant_per_rep=5)
        assert pipeline.create_top_dormant_tasks(as_of=AS_OF, settings_row=settings_row, now=timezone.now()) == 0
        assert VisitTask.objects.get().source == "manual"

    def test_the_whole_scan_twice_makes_the_same_tasks(self, rep, other_rep):
        visit_settings(top_dormant_per_rep=1)
        for k, who in enumerate([rep, rep, other_rep]):
            c = make_customer(f"休眠{k}", rep=who, is_key_account=k == 0)
            buy(c, ago(200 + k), 30_000)
        scan_dormancy(as_of=AS_OF)
        first = open_tasks()
        scan_dormancy(as_of=AS_OF)
        assert open_tasks() == first
        # The key account by its change; each rep's top one (rep1's may be the key account itself).
        assert ("休眠0", "rep1", "visit", "nightly") in first
        assert ("休眠2", "rep2", "phone", "nightly") in first
        assert len([t for t in first if t[1] == "rep1"]) <= 2


class TestOpenTaskUniqueness:
    def test_the_database_refuses_two_open_tasks_for_the_same_purpose(self, rep):
        from django.db import IntegrityError, transaction

        c = customer(rep=rep)
        VisitTask.objects.create(customer=c, assigned_to=rep, due_on=AS_OF)
        VisitTask.objects.create(customer=c, assigned_to=rep, due_on=AS_OF, purpose="complaint")
        VisitTask.objects.create(customer=c, assigned_to=rep, due_on=AS_OF, state="done")
        with pytest.raises(IntegrityError), transaction.atomic():
            VisitTask.objects.create(customer=c, assigned_to=rep, due_on=AS_OF)


class TestCampaignChannel:
    FIELDS = {"name": "秋の掘り起こし", "starts_on": datetime.date(2026, 5, 1), "ends_on": datetime.date(2026, 6, 30),
              "channel": "dm", "approach": "everyone"}

    def executions(self, manager, customers, channel="phone"):
        from campaigns import services
        from campaigns.models import CampaignStep, CampaignTarget, StepExecution

        campaign = services.campaign_create(by=manager, **self.FIELDS)
        step = CampaignStep.objects.create(campaign=campaign, position=2, channel=channel, body="新商品の案内を電話で")
        for c in customers:
            target = CampaignTarget.objects.create(campaign=campaign, customer=c, due_on=AS_OF)
            StepExecution.objects.create(step=step, campaign=campaign, target=target, customer=c, due_on=AS_OF)
        return step, StepExecution.objects.filter(step=step)

    def test_the_handlers_are_registered_for_phone_and_visit(self):
        from campaigns.channels import channel_handler

        assert channel_handler("phone") is pipeline.campaign_step_tasks
        assert channel_handler("visit") is pipeline.campaign_step_tasks

    def test_a_phone_step_makes_a_task_per_due_execution_once(self, manager, rep):
        a, b = customer("甲", rep=rep, status="dormant", priority=40.0), customer("乙", rep=rep)
        step, executions = self.executions(manager, [a, b])
        now = timezone.now()
        assert pipeline.campaign_step_tasks(step=step, executions=executions, now=now) == 2
        assert open_tasks() == [("乙", "rep1", "phone", "campaign"), ("甲", "rep1", "phone", "campaign")]
        task = VisitTask.objects.get(customer=a)
        assert (task.note, task.priority, task.reason) == ("新商品の案内を電話で", 40.0, "price")
        assert task.step_execution_id == executions.get(customer=a).pk
        assert set(executions.values_list("state", flat=True)) == {"handed_over"}
        assert pipeline.campaign_step_tasks(step=step, executions=executions, now=now) == 0  # a rerun
        assert VisitTask.objects.count() == 2

    def test_the_visit_that_answers_the_task_is_the_steps_contact(self, manager, rep):
        from campaigns.models import CampaignContact, CampaignTarget
        from visits.services import visit_log_record

        a = customer("甲", rep=rep)
        step, executions = self.executions(manager, [a])
        pipeline.campaign_step_tasks(step=step, executions=executions, now=timezone.now())
        log = visit_log_record(customer=a, by=rep, task=VisitTask.objects.get(), channel="phone",
                               purpose="reactivation", outcome="needs_found")
        contact = CampaignContact.objects.get()
        assert (contact.step, contact.customer, contact.touchpoint, contact.channel) == (step, a, log.touchpoint, "phone")
        assert executions.get().state == "contacted"
        assert CampaignTarget.objects.get().contacted_at == log.touchpoint.occurred_at

    def test_skipping_the_task_skips_the_step_for_that_customer(self, manager, rep):
        from visits.services import visit_task_skip

        a = customer("甲", rep=rep)
        step, executions = self.executions(manager, [a])
        pipeline.campaign_step_tasks(step=step, executions=executions, now=timezone.now())
        visit_task_skip(task=VisitTask.objects.get(), reason="先方不在が続く", by=rep)
        assert (executions.get().state, executions.get().skip_reason) == ("skipped", "task_skipped")

    def test_a_customer_with_an_open_task_keeps_it(self, manager, rep):
        a = customer("甲", rep=rep)
        VisitTask.objects.create(customer=a, assigned_to=rep, due_on=AS_OF, source="nightly")
        step, executions = self.executions(manager, [a], channel="visit")
        assert pipeline.campaign_step_tasks(step=step, executions=executions, now=timezone.now()) == 1
        assert open_tasks() == [("甲", "rep1", "visit", "nightly")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_make_each_task_once(rep, other_rep, run_at_once):
    """The scan's lock keeps two scans apart; even without it, the partial unique index makes the second insert wait
    for the first and then skip every row it committed."""
    for k in range(6):
        customer(f"A{k}", rep=rep, status="dormant", priority=float(k))
        customer(f"B{k}", rep=other_rep, status="dormant", priority=float(k))
    settings_row = visit_settings(top_dormant_per_rep=3)
    made, errors = run_at_once(lambda: pipeline.create_top_dormant_tasks(
        as_of=AS_OF, settings_row=settings_row, now=timezone.now()), in_transaction=True)
    assert errors == []
    assert sorted(made) == [0, 6]
    assert VisitTask.objects.filter(state="open").count() == 6
