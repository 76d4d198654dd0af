"""Logging a visit or call: the touchpoint on the timeline, the task done, the next action as a task, the list
maintainer's worklist entries (suggestions) for a closed or moved customer, the confirmed reason."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.dormancy.models import ConfirmedReason
from crm.permissions import Refused
from customers.models import Contact, Customer, Touchpoint
from visits import services
from visits.models import UpdateSuggestion, VisitLog, VisitTask

from .support import customer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def log(c, by, **extra):
    fields = {"channel": "visit", "purpose": "reactivation", "outcome": "needs_found"}
    fields.update(extra)
    return services.visit_log_record(customer=c, by=by, **fields)


class TestTouchpoint:
    def test_it_puts_the_visit_on_the_customer_timeline(self, rep):
        c = customer("山田建材", rep=rep, status="dormant")
        contact = Contact.objects.create(customer=c, name="山田 太郎")
        entry = log(c, rep, contact=contact, notes="石膏ボードの値上げが不満。", outcome="quote_requested")
        touchpoint = Touchpoint.objects.get(customer=c)
        assert (touchpoint.channel, touchpoint.department, touchpoint.author) == ("visit", "sales", rep)
        assert "山田 太郎" in touchpoint.summary and "石膏ボードの値上げが不満。" in touchpoint.summary
        assert entry.touchpoint == touchpoint
        assert (entry.inferred_reason, entry.outcome, entry.rep) == ("price", "quote_requested", rep)

    def test_a_call_is_a_phone_touchpoint(self, rep):
        c = customer(rep=rep)
        log(c, rep, channel="phone")
        assert Touchpoint.objects.get(customer=c).channel == "phone"

    def test_a_new_contact_person_is_created_on_the_spot(self, rep):
        c = customer(rep=rep)
        entry = log(c, rep, new_contact_name="鈴木 花子", new_contact_title="購買部長")
        contact = Contact.objects.get(customer=c)
        assert (contact.name, contact.title, entry.contact) == ("鈴木 花子", "購買部長", contact)

    def test_a_contact_of_another_customer_is_refused(self, rep):
        c, other = customer(rep=rep), customer(rep=rep)
        with pytest.raises(ValidationError):
            log(c, rep, contact=Contact.objects.create(customer=other, name="他社 次郎"))
        assert not Touchpoint.objects.exists()


class TestTasks:
    def test_the_task_answered_is_done(self, rep):
        c = customer(rep=rep)
        task = VisitTask.objects.create(customer=c, assigned_to=rep, due_on=TODAY())
        entry = log(c, rep, task=task)
        task.refresh_from_db()
        assert (task.state, entry.task) == ("done", task)
        assert task.closed_at is not None

    def test_the_next_action_becomes_a_task_of_the_customers_rep(self, rep):
        c = customer(rep=rep, status="dormant", priority=55.0)
        task = VisitTask.objects.create(customer=c, assigned_to=rep, due_on=TODAY())
        on = TODAY() + datetime.timedelta(days=5)
        entry = log(c, rep, task=task, next_action="見積書を持参", next_action_on=on, outcome="quote_requested")
        new = VisitTask.objects.get(state="open")
        assert entry.next_task == new
        assert (new.customer, new.assigned_to, new.due_on, new.note, new.source, new.kind, new.priority) == (
            c, rep, on, "見積書を持参", "next_action", "visit", 55.0)

    def test_a_next_action_date_needs_an_action(self, rep):
        with pytest.raises(ValidationError):
            log(customer(rep=rep), rep, next_action_on=TODAY())

    def test_a_next_action_joins_an_open_task_of_the_same_purpose(self, rep):
        c = customer(rep=rep)
        other = VisitTask.objects.create(customer=c, assigned_to=rep, due_on=TODAY() + datetime.timedelta(days=20))
        on = TODAY() + datetime.timedelta(days=2)
        entry = log(c, rep, next_action="再訪問", next_action_on=on)
        other.refresh_from_db()
        assert entry.next_task == other
        assert (other.due_on, other.note) == (on, "再訪問")
        assert VisitTask.objects.filter(state="open").count() == 1

    def test_a_task_of_another_customer_is_refused(self, rep):
        c, other = customer(rep=rep), customer(rep=rep)
        task = VisitTask.objects.create(customer=other, assigned_to=rep, due_on=TODAY())
        with pytest.raises(ValidationError):
            log(c, rep, task=task)


class TestWorklistEntries:
    @pytest.mark.parametrize("outcome", ["business_closed", "moved"])
    def test_a_closed_or_moved_customer_goes_to_the_maintainer_not_changed_silently(self, rep, outcome):
        c = customer(rep=rep, address="横浜市中区1-1")
        entry = log(c, rep, outcome=outcome, notes="シャッターが閉まっていた", new_address="川崎市川崎区2-2")
        suggestion = UpdateSuggestion.objects.get(customer=c, kind=outcome)
        assert (suggestion.kind, suggestion.state, suggestion.visit_log, suggestion.suggested_by) == (
            outcome, "pending", entry, rep)
        c.refresh_from_db()
        assert (c.lifecycle, c.address) == ("customer", "横浜市中区1-1")
        if outcome == "moved":
            assert suggestion.proposed_value == "川崎市川崎区2-2"
        else:
            assert UpdateSuggestion.objects.filter(kind="address").count() == 1

    def test_new_phone_and_email_become_suggestions(self, rep):
        c = customer(rep=rep, phone="03-1111-1111")
        log(c, rep, new_phone="03-2222-2222", new_email="info@example.jp")
        assert sorted(UpdateSuggestion.objects.values_list("kind", "proposed_value")) == [
            ("email", "info@example.jp"), ("phone", "03-2222-2222")]
        c.refresh_from_db()
        assert c.phone == "03-1111-1111"

    def test_the_same_pending_suggestion_is_not_made_twice(self, rep):
        c = customer(rep=rep)
        log(c, rep, new_phone="03-2222-2222")
        log(c, rep, new_phone="03-2222-2222")
        assert UpdateSuggestion.objects.count() == 1

    def test_a_contact_who_left_asks_for_a_new_contact_person(self, rep):
        c = customer(rep=rep)
        log(c, rep, outcome="contact_left", notes="担当の山田さんが退職")
        assert UpdateSuggestion.objects.get().kind == "contact_person"


class TestConfirmedReason:
    def test_a_reason_the_customer_gave_is_recorded(self, rep):
        c = customer(rep=rep, status="dormant", reason="product")
        entry = log(c, rep, confirmed_reason="price", reason_note="競合が一割安い")
        confirmed = ConfirmedReason.objects.get(customer=c)
        assert (confirmed.reason, confirmed.note, confirmed.source, confirmed.inferred_reason, confirmed.confirmed_by) == (
            "price", "競合が一割安い", "visit", "product", rep)
        assert entry.confirmed_reason == "price"

    def test_a_call_records_it_as_a_call(self, rep):
        c = customer(rep=rep, status="dormant")
        log(c, rep, channel="phone", confirmed_reason="closed")
        assert ConfirmedReason.objects.get(customer=c).source == "call"


class TestRights:
    def test_a_rep_cannot_log_to_another_reps_customer(self, rep, other_rep):
        c = customer(rep=other_rep)
        with pytest.raises(Refused):
            log(c, rep)
        assert not VisitLog.objects.exists() and not Touchpoint.objects.exists()

    def test_a_rep_cannot_answer_another_reps_task(self, rep, maintainer):
        c = customer(rep=rep)
        task = VisitTask.objects.create(customer=c, assigned_to=rep, due_on=TODAY())
        with pytest.raises(Refused):  # the maintainer may log to any customer, but not work the rep's task
            log(c, maintainer, task=task)

    def test_skipping_needs_a_reason_and_happens_once(self, rep, other_rep):
        c = customer(rep=rep)
        task = VisitTask.objects.create(customer=c, assigned_to=rep, due_on=TODAY())
        with pytest.raises(ValidationError):
            services.visit_task_skip(task=task, reason=" ", by=rep)
        with pytest.raises(Refused):
            services.visit_task_skip(task=task, reason="不在", by=other_rep)
        skipped = services.visit_task_skip(task=task, reason="不在", by=rep)
        assert (skipped.state, skipped.skip_reason) == ("skipped", "不在")
        with pytest.raises(ValidationError):
            services.visit_task_skip(task=task, reason="不在", by=rep)

    def test_only_a_manager_assigns_and_an_open_task_moves_to_the_chosen_rep(self, rep, other_rep, manager):
        c = customer(rep=rep, status="dormant", priority=12.0)
        kwargs = {"customer": c, "kind": "visit", "purpose": "reactivation", "due_on": TODAY(), "note": "同行訪問"}
        with pytest.raises(Refused):
            services.visit_task_assign(assigned_to=other_rep, by=rep, **kwargs)
        task = services.visit_task_assign(assigned_to=rep, by=manager, **kwargs)
        assert (task.source, task.priority, task.created_by) == ("manual", 12.0, manager)
        again = services.visit_task_assign(assigned_to=other_rep, by=manager, **kwargs)
        assert again.pk == task.pk and again.assigned_to == other_rep
        assert Customer.objects.get(pk=c.pk).assigned_rep == rep  # the account itself is not reassigned


def test_a_refusal_says_whose_task_or_report_it_is(rep, other_rep, english):
    from crm.permissions import refusal_reason
    from visits.models import DailyReport

    task = VisitTask.objects.create(customer=customer(rep=other_rep), assigned_to=other_rep, due_on=TODAY())
    assert refusal_reason(rep, "visits.work_task", task) == "This task is assigned to another rep (高橋 営業)."
    report = DailyReport(rep=other_rep, day=TODAY())
    assert refusal_reason(rep, "visits.report", report) == "This is the daily report of another rep (高橋 営業)."
