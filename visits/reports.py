"""The daily report (日報): a rep's day, gathered from what he logged, plus his own words; the manager comments and
marks it read.

The day's visits, calls and touchpoints are read each time the report is shown (`day_activity`), never copied into
the report: a visit logged late in the evening is in it, and there is one contact history.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import require
from customers.models import Touchpoint

from .models import DailyReport, VisitLog, VisitTask

TEXT_FIELDS = ("what_happened", "issues", "tomorrow_plan")


def day_bounds(day):
    """[start, end) of a Tokyo day as aware datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def day_activity(*, rep, day):
    """What the rep did on `day`: his touchpoints (visits, calls, anything logged) with their visit logs, and the
    tasks he closed. Three queries."""
    start, end = day_bounds(day)
    touchpoints = list(
        Touchpoint.objects.filter(author=rep, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("customer").order_by("occurred_at", "pk")
    )
    logs = {
        log.touchpoint_id: log
        for log in VisitLog.objects.filter(touchpoint__in=[t.pk for t in touchpoints]).select_related("contact")
    }
    entries = [{"touchpoint": t, "log": logs.get(t.pk)} for t in touchpoints]
    skipped = list(VisitTask.objects.filter(assigned_to=rep, state=VisitTask.State.SKIPPED, closed_at__gte=start,
                                            closed_at__lt=end).select_related("customer"))
    return {
        "entries": entries,
        "visits": sum(1 for t in touchpoints if t.channel == Touchpoint.Channel.VISIT),
        "calls": sum(1 for t in touchpoints if t.channel == Touchpoint.Channel.PHONE),
        "others": sum(1 for t in touchpoints if t.channel not in (Touchpoint.Channel.VISIT, Touchpoint.Channel.PHONE)),
        "skipped": skipped,
    }


def report_for(*, rep, day):
    """The stored report of that rep and day, or an unsaved draft (a selector never writes)."""
    return DailyReport.objects.filter(rep=rep, day=day).first() or DailyReport(rep=rep, day=day)


@transaction.atomic
def daily_report_save(*, rep, day, by, what_happened="", issues="", tomorrow_plan=""):
    """Write the rep's own words for the day (a draft until submitted; a submitted report no longer changes)."""
    report, _created = DailyReport.objects.select_for_update().get_or_create(rep=rep, day=day)
    require(by, "visits.report", report)
    if not report.is_editable:
        raise ValidationError(_("This report has been submitted and can no longer be changed."))
    report.what_happened, report.issues, report.tomorrow_plan = (
        what_happened.strip(), issues.strip(), tomorrow_plan.strip())
    report.save(update_fields=[*TEXT_FIELDS, "updated_at"])
    return report


@transaction.atomic
def daily_report_submit(*, report, by):
    """Send the report to the manager (draft → submitted, by a conditional update)."""
    stored = DailyReport.objects.select_for_update().get(pk=report.pk)
    require(by, "visits.report", stored)
    if not (stored.what_happened or stored.issues or stored.tomorrow_plan):
        raise ValidationError(_("Write at least a few words before submitting."))
    moved = DailyReport.objects.filter(pk=stored.pk, state=DailyReport.State.DRAFT).update(
        state=DailyReport.State.SUBMITTED, submitted_at=timezone.now())
    if moved != 1:
        raise ValidationError(_("This report has already been submitted."))
    stored.refresh_from_db()
    return stored


@transaction.atomic
def daily_report_review(*, report, by, comment=""):
    """The manager's comment; the report is marked read (a draft cannot be: it has not been sent)."""
    require(by, "visits.review_reports")
    stored = DailyReport.objects.select_for_update().get(pk=report.pk)
    if stored.state == DailyReport.State.DRAFT:
        raise ValidationError(_("This report has not been submitted yet."))
    stored.manager_comment = comment.strip()
    if stored.state == DailyReport.State.SUBMITTED:
        stored.state, stored.read_by, stored.read_at = DailyReport.State.READ, by, timezone.now()
    stored.save(update_fields=["manager_comment", "state", "read_by", "read_at", "updated_at"])
    return stored


def week_days(day):
    """Monday to Sunday of the week holding `day`."""
    monday = day - datetime.timedelta(days=day.weekday())
    return [monday + datetime.timedelta(days=k) for k in range(7)]
