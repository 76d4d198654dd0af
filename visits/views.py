"""Screens of field sales: the rep's today page (built for a phone), logging a visit, skipping a task, the daily
report; the manager's field-sales page, report review, hand assignment and settings; the maintainer's suggestions.

Views are short: look the row up (404 when it is not the user's to see), call a service, render.
"""
import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import can, permission_required, require
from customers.models import Customer

from . import reports, selectors, services, suggestions
from .forms import AssignForm, DailyReportForm, ReviewForm, SkipForm, SuggestionForm, VisitLogForm, VisitSettingsForm
from .models import DailyReport, UpdateSuggestion, VisitSettings, VisitTask


def _apply_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _task_for(user, pk):
    """A task the user may see: his own, or any for a manager (others' tasks do not exist for a rep)."""
    task = get_object_or_404(VisitTask.objects.select_related("customer"), pk=pk)
    if task.assigned_to_id != user.pk and not can(user, "visits.assign"):
        raise Http404
    return task


# --- the rep's day -----------------------------------------------------------------------------------------------

@permission_required("visits.log")
def today(request):
    """Open tasks by priority and due date; a manager may look at any rep's list (?rep=)."""
    rep = request.user
    if request.GET.get("rep") and can(request.user, "visits.assign"):
        rep = get_object_or_404(get_user_model(), pk=request.GET["rep"])
    context = selectors.today_page(rep=rep)
    context.update(rep=rep, skip_form=SkipForm(), is_own=rep.pk == request.user.pk)
    return render(request, "visits/today.html", context)


def _log(request, customer, task=None):
    require(request.user, "visits.log", customer)
    form = VisitLogForm(request.POST or None, customer=customer, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_log_record(customer=customer, by=request.user, task=task, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The visit was logged."))
            if task is not None:
                return redirect("visits:today")
            return redirect("customers:detail", customer.pk)
    return render(request, "visits/log_form.html", {"form": form, "customer": customer, "task": task})


def task_log(request, pk):
    task = _task_for(request.user, pk)
    if not task.is_open:
        messages.info(request, _("This task is already closed."))
        return redirect("visits:today")
    require(request.user, "visits.work_task", task)
    return _log(request, task.customer, task)


def customer_log(request, pk):
    """Log a visit or call without a task (from the customer card)."""
    return _log(request, get_object_or_404(Customer, pk=pk, merged_into__isnull=True))


@require_POST
def task_skip(request, pk):
    task = _task_for(request.user, pk)
    form = SkipForm(request.POST)
    if form.is_valid():
        try:
            services.visit_task_skip(task=task, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The task was skipped."))
    else:
        messages.error(request, _("Say why the task is skipped."))
    return redirect("visits:today")


# --- daily report ------------------------------------------------------------------------------------------------

def _day(text):
    try:
        return datetime.date.fromisoformat(text) if text else timezone.localdate()
    except ValueError as error:
        raise Http404 from error


@permission_required("visits.log")
def my_report(request, day=None):
    """The rep's own report for a day: the day's activity, his words, submit."""
    day = _day(day)
    report = reports.report_for(rep=request.user, day=day)
    form = DailyReportForm(request.POST or None, instance=report)
    suggestion_form = SuggestionForm(prefix="s")
    if request.method == "POST" and form.is_valid():
        try:
            report = reports.daily_report_save(rep=request.user, day=day, by=request.user, **form.cleaned_data)
            if "submit" in request.POST:
                reports.daily_report_submit(report=report, by=request.user)
                messages.success(request, _("The report was submitted to your manager."))
            else:
                messages.success(request, _("The report was saved."))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("visits:my_report_day", day.isoformat())
    context = {"report": report, "form": form, "day": day, "activity": reports.day_activity(rep=request.user, day=day),
               "suggestion_form": suggestion_form, "previous_day": day - datetime.timedelta(days=1),
               "next_day": day + datetime.timedelta(days=1)}
    return render(request, "visits/report_mine.html", context)


@require_POST
@permission_required("visits.log")
def report_suggestion(request, day):
    """A suggested update typed in the day's report."""
    day = _day(day)
    form = SuggestionForm(request.POST, prefix="s")
    if form.is_valid():
        report = reports.report_for(rep=request.user, day=day)
        try:
            suggestions.suggestion_create(customer=form.cleaned_data["customer"], kind=form.cleaned_data["kind"],
                                          value=form.cleaned_data["value"], by=request.user,
                                          daily_report=report if report.pk else None)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your suggestion was sent to the list maintainer."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("visits:my_report_day", day.isoformat())


@permission_required("visits.review_reports")
def report_list(request):
    context = {"reports": selectors.reports_to_review()[:100],
               "unsubmitted": selectors.unsubmitted_reports()}
    return render(request, "visits/report_list.html", context)


def report_detail(request, pk):
    """The manager reads, comments, marks read; the rep sees his own (and the comment)."""
    report = get_object_or_404(DailyReport.objects.select_related("rep", "read_by"), pk=pk)
    may_review = can(request.user, "visits.review_reports")
    if report.rep_id != request.user.pk and not may_review:
        raise Http404
    form = ReviewForm(request.POST or None, initial={"comment": report.manager_comment})
    if request.method == "POST" and form.is_valid():
        try:
            reports.daily_report_review(report=report, comment=form.cleaned_data["comment"], by=request.user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The report was marked read."))
            return redirect("visits:report_list")
    context = {"report": report, "form": form, "may_review": may_review,
               "activity": reports.day_activity(rep=report.rep, day=report.day)}
    return render(request, "visits/report_detail.html", context)


def report_pdf(request):
    """A day's or a week's reports of one rep as a PDF (?rep=&day=&week=1)."""
    from .pdf import reports_pdf_response

    day = _day(request.GET.get("day"))
    rep = request.user
    if request.GET.get("rep") and str(request.user.pk) != request.GET["rep"]:
        require(request.user, "visits.review_reports")
        rep = get_object_or_404(get_user_model(), pk=request.GET["rep"])
    require(request.user, "visits.log")
    days = reports.week_days(day) if request.GET.get("week") else [day]
    return reports_pdf_response(rep=rep, days=days)


# --- manager -----------------------------------------------------------------------------------------------------

@permission_required("visits.coverage")
def manager(request):
    context = {"coverage": selectors.coverage(), "overdue": selectors.overdue_tasks(),
               "outcomes": selectors.outcomes_by_reason(), "unsubmitted": selectors.unsubmitted_reports()}
    return render(request, "visits/manager.html", context)


@permission_required("visits.assign")
def assign(request):
    form = AssignForm(request.POST or None, initial={"due_on": timezone.localdate() + datetime.timedelta(days=3),
                                                     "customer": request.GET.get("customer", "")})
    if request.method == "POST" and form.is_valid():
        task = services.visit_task_assign(by=request.user, **form.cleaned_data)
        messages.success(request, _("The task was assigned to %(rep)s.") % {"rep": task.assigned_to})
        return redirect("visits:manager")
    return render(request, "visits/assign.html", {"form": form})


@permission_required("visits.assign")
def visit_settings(request):
    form = VisitSettingsForm(request.POST or None, instance=VisitSettings.current())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The settings were saved."))
        return redirect("visits:settings")
    return render(request, "visits/settings.html", {"form": form})


# --- the maintainer's suggestions ----------------------------------------------------------------------------------

@permission_required("customers.view")
def suggestion_list(request):
    kinds = request.GET.getlist("kind")
    context = {"suggestions": selectors.pending_suggestions(kinds=kinds)[:200],
               "may_decide": can(request.user, "customers.edit_any")}
    return render(request, "visits/suggestions.html", context)


@require_POST
@permission_required("customers.edit_any")
def suggestion_decide(request, pk, decision):
    suggestion = get_object_or_404(UpdateSuggestion, pk=pk)
    service = suggestions.suggestion_accept if decision == "accept" else suggestions.suggestion_reject
    try:
        service(suggestion=suggestion, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Accepted.") if decision == "accept" else _("Rejected."))
    return redirect("visits:suggestions")
