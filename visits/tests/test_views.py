"""The screens per role: a rep sees and works his own tasks, others' customers are read-only for him, the manager
sees all; the maintainer decides suggestions; each write checked in the database."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Touchpoint
from visits import reports
from visits.models import DailyReport, UpdateSuggestion, VisitLog, VisitSettings, VisitTask

from .support import customer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def tasks(rep, other_rep):
    mine = customer("山田建材", rep=rep, status="dormant", priority=80.0, phone="03-1234-5678",
                    prefecture="神奈川県", address="横浜市中区1-1")
    theirs = customer("鈴木工務店", rep=other_rep, status="dormant", priority=90.0)
    return {
        "mine": VisitTask.objects.create(customer=mine, assigned_to=rep, due_on=TODAY(), priority=80.0,
                                         reason="price", source="nightly"),
        "later": VisitTask.objects.create(customer=customer("後日商店", rep=rep), assigned_to=rep, priority=99.0,
                                          due_on=TODAY() + datetime.timedelta(days=5), purpose="regular"),
        "theirs": VisitTask.objects.create(customer=theirs, assigned_to=other_rep, due_on=TODAY(), priority=90.0),
    }


class TestTodayPage:
    def test_it_lists_the_reps_own_tasks_due_first_with_call_and_map_links(self, client_for, rep, tasks):
        html = client_for(rep).get(reverse("visits:today")).content.decode()
        assert "山田建材" in html and "後日商店" in html and "鈴木工務店" not in html
        assert html.index("山田建材") < html.index("後日商店")  # due today before a higher priority due later
        assert 'href="tel:0312345678"' in html
        assert "maps.google.com/?q=%E7%A5%9E%E5%A5%88%E5%B7%9D%E7%9C%8C" in html  # 神奈川県…
        assert reverse("visits:task_log", args=[tasks["mine"].pk]) in html

    def test_it_reads_in_a_bounded_number_of_queries(self, client_for, rep, django_assert_max_num_queries):
        for n in range(20):
            VisitTask.objects.create(customer=customer(f"顧客{n}", rep=rep, status="dormant"), assigned_to=rep,
                                     due_on=TODAY())
        client = client_for(rep)
        with django_assert_max_num_queries(8):
            assert client.get(reverse("visits:today")).status_code == 200

    def test_a_manager_looks_at_any_reps_list_but_a_rep_does_not(self, client_for, rep, other_rep, manager, tasks):
        assert "鈴木工務店" in client_for(manager).get(reverse("visits:today"), {"rep": other_rep.pk}).content.decode()
        assert "鈴木工務店" not in client_for(rep).get(reverse("visits:today"), {"rep": other_rep.pk}).content.decode()

    def test_it_is_in_the_navigation_and_the_managers_page_for_the_manager(self, client_for, rep, manager):
        assert 'data-nav="visits:today"' in client_for(rep).get(reverse("home")).content.decode()
        assert 'data-nav="visits:manager"' not in client_for(rep).get(reverse("home")).content.decode()
        assert 'data-nav="visits:manager"' in client_for(manager).get(reverse("home")).content.decode()


def _count(html, testid):
    return int(re.search(rf'data-testid="{testid}" data-count="(\d+)"', html).group(1))


@pytest.fixture
def workload(rep, other_rep):
    """One task of each kind for the rep (overdue, due today, later, done) and someone else's due today."""
    day = datetime.timedelta(days=1)
    for name, due_on, state in (("期限切れ建材", TODAY() - 3 * day, "open"), ("本日工務店", TODAY(), "open"),
                                ("来週設備", TODAY() + 7 * day, "open"), ("済み商店", TODAY() - day, "done")):
        VisitTask.objects.create(customer=customer(name, rep=rep), assigned_to=rep, due_on=due_on, state=state)
    VisitTask.objects.create(customer=customer("他人商事", rep=other_rep), assigned_to=other_rep, due_on=TODAY())


class TestDueCount:
    """The home card's badge counts what the today page lists as due: open tasks due today or overdue."""

    def test_the_home_badge_counts_the_due_tasks_the_today_page_lists(self, client_for, rep, workload):
        client = client_for(rep)
        today = client.get(reverse("visits:today")).content.decode()
        home = client.get(reverse("home")).content.decode()
        listed_due = [name for name in ("期限切れ建材", "本日工務店") if name in today]
        assert listed_due == ["期限切れ建材", "本日工務店"] and "済み商店" not in today
        assert _count(today, "today-count") == _count(home, "home-today-link") == len(listed_due)

    def test_the_count_covers_due_tasks_beyond_the_rows_the_page_shows(self, client_for, rep, workload, monkeypatch):
        monkeypatch.setattr("visits.selectors.TODAY_LIMIT", 1)
        client = client_for(rep)
        today = client.get(reverse("visits:today")).content.decode()
        assert today.count('data-testid="today-task"') == 1
        assert _count(today, "today-count") == _count(client.get(reverse("home")).content.decode(),
                                                      "home-today-link") == 2

    def test_both_say_due_or_overdue_in_the_same_words(self, client_for, rep, workload, english):
        client = client_for(rep)
        assert "2 due or overdue" in client.get(reverse("visits:today")).content.decode()
        assert "2 due or overdue" in client.get(reverse("home")).content.decode()


class TestLogging:
    def post(self, client, url, **extra):
        data = {"visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "channel": "visit",
                "purpose": "reactivation", "outcome": "quote_requested", "notes": "見積依頼",
                "next_action": "見積持参", "next_action_on": (TODAY() + datetime.timedelta(days=3)).isoformat()}
        data.update(extra)
        return client.post(url, data)

    def test_a_rep_logs_his_task(self, client_for, rep, tasks):
        response = self.post(client_for(rep), reverse("visits:task_log", args=[tasks["mine"].pk]))
        assert response.status_code == 302
        tasks["mine"].refresh_from_db()
        assert tasks["mine"].state == "done"
        log = VisitLog.objects.get()
        assert (log.outcome, log.next_task.note, log.touchpoint.channel) == ("quote_requested", "見積持参", "visit")

    def test_another_reps_task_does_not_exist_for_a_rep(self, client_for, rep, tasks):
        assert client_for(rep).get(reverse("visits:task_log", args=[tasks["theirs"].pk])).status_code == 404
        assert self.post(client_for(rep), reverse("visits:task_log", args=[tasks["theirs"].pk])).status_code == 404
        assert client_for(rep).post(reverse("visits:task_skip", args=[tasks["theirs"].pk]),
                                    {"reason": "x"}).status_code == 404
        assert VisitTask.objects.get(pk=tasks["theirs"].pk).state == "open"

    def test_another_reps_customer_is_read_only_for_a_rep(self, client_for, rep, tasks):
        theirs = tasks["theirs"].customer
        client = client_for(rep)
        assert client.get(reverse("visits:customer_log", args=[theirs.pk])).status_code == 403
        assert self.post(client, reverse("visits:customer_log", args=[theirs.pk])).status_code == 403
        assert not Touchpoint.objects.exists()
        card = client.get(theirs.get_absolute_url()).content.decode()
        assert 'data-testid="visits-panel"' in card and 'data-testid="panel-log-visit"' not in card

    def test_the_card_shows_open_tasks_and_logs_with_the_log_button_for_the_own_rep(self, client_for, rep, tasks):
        self.post(client_for(rep), reverse("visits:customer_log", args=[tasks["mine"].customer_id]))
        card = client_for(rep).get(tasks["mine"].customer.get_absolute_url()).content.decode()
        assert 'data-testid="panel-log-visit"' in card and 'data-testid="panel-logs"' in card
        assert 'data-testid="panel-tasks"' in card

    def test_a_rep_skips_his_task_with_a_reason(self, client_for, rep, tasks):
        client_for(rep).post(reverse("visits:task_skip", args=[tasks["mine"].pk]), {"reason": "先方不在"})
        tasks["mine"].refresh_from_db()
        assert (tasks["mine"].state, tasks["mine"].skip_reason) == ("skipped", "先方不在")


class TestReports:
    def test_a_rep_saves_and_submits_his_report(self, client_for, rep):
        url = reverse("visits:my_report")
        client = client_for(rep)
        client.post(url, {"what_happened": "三件訪問", "issues": "", "tomorrow_plan": "見積", "submit": "1"})
        report = DailyReport.objects.get(rep=rep)
        assert (report.day, report.state, report.what_happened) == (TODAY(), "submitted", "三件訪問")

    def test_a_rep_suggests_an_update_from_his_report(self, client_for, rep):
        c = customer(rep=rep)
        client_for(rep).post(reverse("visits:report_suggestion", args=[TODAY().isoformat()]),
                             {"s-customer": c.code, "s-kind": "phone", "s-value": "03-5555-6666"})
        assert UpdateSuggestion.objects.get().proposed_value == "03-5555-6666"

    def test_the_manager_reads_and_comments(self, client_for, rep, other_rep, manager):
        report = reports.daily_report_submit(
            report=reports.daily_report_save(rep=rep, day=TODAY(), by=rep, what_happened="訪問"), by=rep)
        assert client_for(other_rep).get(reverse("visits:report_detail", args=[report.pk])).status_code == 404
        assert client_for(rep).get(reverse("visits:report_list")).status_code == 403
        client = client_for(manager)
        assert "訪問" in client.get(reverse("visits:report_list")).content.decode()
        client.post(reverse("visits:report_detail", args=[report.pk]), {"comment": "了解"})
        report.refresh_from_db()
        assert (report.state, report.manager_comment, report.read_by) == ("read", "了解", manager)

    def test_the_pdf_of_another_reps_day_is_for_the_manager_only(self, client_for, rep, other_rep, manager):
        url = reverse("visits:report_pdf")
        assert client_for(rep).get(url, {"rep": other_rep.pk}).status_code == 403
        response = client_for(manager).get(url, {"rep": rep.pk, "day": "2026-11-26", "week": "1"})
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


class TestManagerPages:
    @pytest.mark.parametrize(("who", "status"), [("rep", 403), ("maintainer", 403), ("manager", 200)])
    def test_the_field_sales_page_is_the_managers(self, client_for, request, who, status):
        assert client_for(request.getfixturevalue(who)).get(reverse("visits:manager")).status_code == status

    def test_a_manager_assigns_a_task_by_hand(self, client_for, rep, manager):
        c = customer("山田建材", rep=rep)
        card = client_for(manager).get(c.get_absolute_url()).content.decode()
        assert f'{reverse("visits:assign")}?customer={c.code}' in card
        assert f'value="{c.code}"' in client_for(manager).get(reverse("visits:assign"), {"customer": c.code}).content.decode()
        client_for(manager).post(reverse("visits:assign"), {
            "customer": c.code, "assigned_to": rep.pk, "kind": "visit", "purpose": "complaint",
            "due_on": TODAY().isoformat(), "note": "クレーム対応"})
        task = VisitTask.objects.get()
        assert (task.customer, task.assigned_to, task.purpose, task.source) == (c, rep, "complaint", "manual")

    def test_a_manager_sets_n(self, client_for, rep, manager):
        data = {"top_dormant_per_rep": 8, "key_account_due_days": 2, "due_days": 5, "cooldown_days": 14}
        assert client_for(rep).post(reverse("visits:settings"), data).status_code == 403
        client_for(manager).post(reverse("visits:settings"), data)
        assert VisitSettings.current().top_dormant_per_rep == 8


class TestSuggestionPage:
    def test_the_maintainer_accepts_in_one_click_and_a_rep_cannot(self, client_for, rep, maintainer):
        c = customer(rep=rep, phone="03-1111-1111")
        s = UpdateSuggestion.objects.create(customer=c, kind="phone", proposed_value="03-2222-2222", suggested_by=rep)
        url = reverse("visits:suggestion_decide", args=[s.pk, "accept"])
        assert client_for(rep).post(url).status_code == 403
        html = client_for(maintainer).get(reverse("visits:suggestions")).content.decode()
        assert url in html
        client_for(maintainer).post(url)
        c.refresh_from_db()
        assert (c.phone, UpdateSuggestion.objects.get().state) == ("03-2222-2222", "accepted")

    def _accept_and_open_the_card(self, client_for, rep, maintainer):
        c = customer(rep=rep, phone="03-1111-1111")
        s = UpdateSuggestion.objects.create(customer=c, kind="phone", proposed_value="03-2222-2222", suggested_by=rep)
        client = client_for(maintainer)
        client.post(reverse("visits:suggestion_decide", args=[s.pk, "accept"]))
        html = client.get(c.get_absolute_url()).content.decode()
        return re.search(r'data-testid="history">(.*?)</section>', html, re.S).group(1)

    def test_the_card_history_names_an_accepted_suggestion_in_japanese(self, client_for, rep, maintainer):
        history = self._accept_and_open_the_card(client_for, rep, maintainer)
        assert "営業担当からの更新提案" in history and "03-2222-2222" in history
        assert "suggested by a rep" not in history

    def test_the_card_history_names_an_accepted_suggestion_in_english(self, client_for, rep, maintainer, english):
        history = self._accept_and_open_the_card(client_for, rep, maintainer)
        assert re.search(r"· Update suggested by a rep</div>", history)
