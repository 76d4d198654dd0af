"""The manager's figures, checked on a hand-built example: coverage of dormant key accounts, overdue tasks,
outcomes by reason, reports not submitted."""
import datetime

import pytest

from customers.models import Touchpoint
from visits import reports, selectors, services
from visits.models import DailyReport, VisitLog, VisitTask

from .support import at, customer

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)  # a Friday


def ago(days):
    return TODAY - datetime.timedelta(days=days)


def visit(c, day, by, channel="visit"):
    Touchpoint.objects.create(customer=c, author=by, department="sales", channel=channel, summary="訪問",
                              occurred_at=at(day))


class TestCoverage:
    """rep1: K1 visited 10 days after going dormant (in time), K2 after 40 (late), K3 never and its 30 days are over
    (missed), K4 dormant for 10 days (still in time), K5 visited only BEFORE it went dormant (missed), K6 only called
    (missed). rep2: L1 visited on the 30th day (in time); L2 is no key account, L3 only at risk: neither counts.
    rep1 covers 1 of the 5 whose window ended or who were visited = 20 %; rep2 1 of 1 = 100 %; all 2 of 6 = 33 %."""

    def test_it_counts_by_rep_as_worked_out_by_hand(self, rep, other_rep):
        k = {name: customer(name, rep=rep, key=True, status="dormant", dormant_since=ago(days), as_of=TODAY)
             for name, days in (("K1", 60), ("K2", 60), ("K3", 50), ("K4", 10), ("K5", 60), ("K6", 40))}
        visit(k["K1"], ago(50), rep)
        visit(k["K2"], ago(20), rep)
        visit(k["K5"], ago(65), rep)
        visit(k["K6"], ago(35), rep, channel="phone")
        l1 = customer("L1", rep=other_rep, key=True, status="dormant", dormant_since=ago(35), as_of=TODAY)
        visit(l1, ago(5), other_rep)
        customer("L2", rep=other_rep, status="dormant", dormant_since=ago(35), as_of=TODAY)
        customer("L3", rep=other_rep, key=True, status="at_risk", as_of=TODAY)

        figures = selectors.coverage(today=TODAY)
        by_rep = {f["rep"].username: {key: f[key] for key in ("accounts", "visited", "late", "open", "missed", "percent")}
                  for f in figures["reps"]}
        assert by_rep == {
            "rep1": {"accounts": 6, "visited": 1, "late": 1, "open": 1, "missed": 3, "percent": 20},
            "rep2": {"accounts": 1, "visited": 1, "late": 0, "open": 0, "missed": 0, "percent": 100},
        }
        assert figures["total"] == {"accounts": 7, "visited": 2, "late": 1, "open": 1, "missed": 3, "percent": 33}
        states = {row["customer"].name: row["state"] for row in figures["rows"]}
        assert states == {"K1": "visited", "K2": "late", "K3": "missed", "K4": "open", "K5": "missed", "K6": "missed",
                          "L1": "visited"}

    def test_it_reads_in_one_query(self, rep, django_assert_num_queries):
        for n in range(5):
            visit(customer(f"K{n}", rep=rep, key=True, status="dormant", dormant_since=ago(20), as_of=TODAY), ago(3), rep)
        with django_assert_num_queries(1):
            selectors.coverage(today=TODAY)


class TestOtherFigures:
    def test_overdue_tasks_by_rep(self, rep, other_rep):
        for who, due in ((rep, ago(3)), (rep, ago(1)), (rep, TODAY), (other_rep, ago(10))):
            VisitTask.objects.create(customer=customer(rep=who), assigned_to=who, due_on=due)
        VisitTask.objects.create(customer=customer(rep=rep), assigned_to=rep, due_on=ago(5), state="done")
        overdue = selectors.overdue_tasks(today=TODAY)
        assert [(r["assigned_to__username"], r["n"]) for r in overdue["per_rep"]] == [("rep1", 2), ("rep2", 1)]
        assert overdue["total"] == 3
        assert [t.due_on for t in overdue["rows"]] == [ago(10), ago(3), ago(1)]

    def test_outcomes_by_reason(self, rep):
        for reason, outcome, confirmed in (("price", "quote_requested", "price"), ("price", "no_interest", "moved"),
                                           ("price", "no_interest", ""), ("product", "order_taken", "")):
            c = customer(rep=rep, status="dormant", reason=reason)
            services.visit_log_record(customer=c, by=rep, channel="visit", purpose="reactivation", outcome=outcome,
                                      confirmed_reason=confirmed)
        VisitLog.objects.update(visited_at=at(TODAY - datetime.timedelta(days=1)))
        figures = selectors.outcomes_by_reason(today=TODAY)
        outcomes = [value for value, _label in figures["outcomes"]]
        rows = {row["reason"]: dict(zip(outcomes, row["cells"], strict=True)) for row in figures["table"]}
        assert rows["price"]["no_interest"] == 2 and rows["price"]["quote_requested"] == 1
        assert rows["product"]["order_taken"] == 1
        assert [row["total"] for row in figures["table"]] == [1, 3]  # product first (the reasons' order), then price
        assert sorted((r["inferred_reason"], r["confirmed_reason"], r["n"]) for r in figures["confirmed"]) == [
            ("price", "moved", 1), ("price", "price", 1)]

    def test_reports_not_submitted_on_weekdays(self, rep, other_rep):
        # The seven days before Friday the 27th hold five weekdays: 20, 23, 24, 25, 26.
        for day in (datetime.date(2026, 11, 26), datetime.date(2026, 11, 25)):
            report = reports.daily_report_save(rep=rep, day=day, by=rep, what_happened="訪問")
            reports.daily_report_submit(report=report, by=rep)
        DailyReport.objects.create(rep=rep, day=datetime.date(2026, 11, 24), what_happened="下書き")  # not submitted
        rows = {r["rep"].username: [d.day for d in r["days"]] for r in selectors.unsubmitted_reports(today=TODAY)["rows"]}
        assert rows == {"rep1": [20, 23, 24], "rep2": [20, 23, 24, 25, 26]}
