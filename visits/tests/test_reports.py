"""The daily report (日報): gathered from the day's touchpoints, the rep's words, submission, the manager's reading,
and the PDF of a day or a week."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError

from crm.permissions import Refused
from customers.models import Touchpoint
from visits import reports, services
from visits.models import DailyReport

from .support import at, customer

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 26)


@pytest.fixture
def day_of_work(rep, other_rep):
    yamada = customer("山田建材株式会社", rep=rep, status="dormant")
    suzuki = customer("鈴木工務店", rep=rep)
    services.visit_log_record(customer=yamada, by=rep, channel="visit", purpose="reactivation",
                              outcome="quote_requested", visited_at=at(DAY, 10), notes="断熱材の見積依頼")
    services.visit_log_record(customer=suzuki, by=rep, channel="phone", purpose="regular", outcome="no_interest",
                              visited_at=at(DAY, 15))
    Touchpoint.objects.create(customer=suzuki, author=rep, department="sales", channel="email", summary="資料送付",
                              occurred_at=at(DAY, 17))
    # Not his day: another day, another rep.
    Touchpoint.objects.create(customer=suzuki, author=rep, department="sales", channel="visit", summary="前日",
                              occurred_at=at(DAY - datetime.timedelta(days=1), 23, 30))
    Touchpoint.objects.create(customer=suzuki, author=other_rep, department="sales", channel="visit", summary="他人",
                              occurred_at=at(DAY, 11))
    return yamada, suzuki


class TestGathering:
    def test_it_gathers_the_reps_visits_calls_and_touchpoints_of_the_day(self, rep, day_of_work):
        activity = reports.day_activity(rep=rep, day=DAY)
        assert (activity["visits"], activity["calls"], activity["others"]) == (1, 1, 1)
        assert [(e["touchpoint"].customer.name, e["log"].outcome if e["log"] else None) for e in activity["entries"]] == [
            ("山田建材株式会社", "quote_requested"), ("鈴木工務店", "no_interest"), ("鈴木工務店", None)]

    def test_a_late_log_appears_in_a_report_already_written(self, rep, day_of_work):
        reports.daily_report_save(rep=rep, day=DAY, by=rep, what_happened="二件訪問")
        services.visit_log_record(customer=day_of_work[1], by=rep, channel="visit", purpose="regular",
                                  outcome="order_taken", visited_at=at(DAY, 19))
        assert reports.day_activity(rep=rep, day=DAY)["visits"] == 2

    def test_it_reads_in_a_bounded_number_of_queries(self, rep, day_of_work, django_assert_max_num_queries):
        with django_assert_max_num_queries(3):
            reports.day_activity(rep=rep, day=DAY)


class TestSubmission:
    def test_a_rep_writes_and_submits_his_report(self, rep):
        report = reports.daily_report_save(rep=rep, day=DAY, by=rep, what_happened="訪問三件", issues="値上げへの不満",
                                           tomorrow_plan="見積作成")
        submitted = reports.daily_report_submit(report=report, by=rep)
        assert (submitted.state, submitted.what_happened) == ("submitted", "訪問三件")
        assert submitted.submitted_at is not None
        with pytest.raises(ValidationError):
            reports.daily_report_save(rep=rep, day=DAY, by=rep, what_happened="書き換え")
        with pytest.raises(ValidationError):
            reports.daily_report_submit(report=report, by=rep)

    def test_an_empty_report_is_not_submitted(self, rep):
        report = reports.daily_report_save(rep=rep, day=DAY, by=rep)
        with pytest.raises(ValidationError):
            reports.daily_report_submit(report=report, by=rep)

    def test_a_rep_cannot_write_or_submit_another_reps_report(self, rep, other_rep):
        with pytest.raises(Refused):
            reports.daily_report_save(rep=other_rep, day=DAY, by=rep, what_happened="なりすまし")
        report = reports.daily_report_save(rep=other_rep, day=DAY, by=other_rep, what_happened="本人")
        with pytest.raises(Refused):
            reports.daily_report_submit(report=report, by=rep)


class TestReview:
    def test_the_manager_comments_and_marks_it_read(self, rep, manager):
        report = reports.daily_report_submit(
            report=reports.daily_report_save(rep=rep, day=DAY, by=rep, what_happened="訪問"), by=rep)
        read = reports.daily_report_review(report=report, comment="見積を急いで", by=manager)
        assert (read.state, read.manager_comment, read.read_by) == ("read", "見積を急いで", manager)
        again = reports.daily_report_review(report=report, comment="了解", by=manager)
        assert (again.state, again.manager_comment, again.read_at) == ("read", "了解", read.read_at)

    def test_a_draft_cannot_be_read_and_a_rep_cannot_review(self, rep, other_rep, manager):
        report = reports.daily_report_save(rep=rep, day=DAY, by=rep, what_happened="下書き")
        with pytest.raises(ValidationError):
            reports.daily_report_review(report=report, by=manager)
        reports.daily_report_submit(report=report, by=rep)
        with pytest.raises(Refused):
            reports.daily_report_review(report=report, by=other_rep)
        assert DailyReport.objects.get().state == "submitted"


class TestPdf:
    def text(self, pdf):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)

    def test_a_days_pdf_shows_the_japanese_names_and_words(self, rep, day_of_work):
        from visits.pdf import reports_pdf

        reports.daily_report_save(rep=rep, day=DAY, by=rep, what_happened="山田建材で断熱材の見積依頼",
                                  tomorrow_plan="見積作成")
        pdf = reports_pdf(rep=rep, days=[DAY])
        assert pdf.startswith(b"%PDF")
        text = self.text(pdf).replace(" ", "")
        for expected in ("山田建材株式会社", "鈴木工務店", "佐藤営業", "見積作成", "2026-11-26"):
            assert expected in text

    def test_a_weeks_pdf_has_a_page_per_day(self, rep, day_of_work):
        from pypdf import PdfReader

        from visits.pdf import reports_pdf

        pdf = reports_pdf(rep=rep, days=reports.week_days(DAY))
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 7
        assert reports.week_days(DAY)[0] == datetime.date(2026, 11, 23)  # the Monday
