"""Reads of field sales: the rep's today list, the card's panel, and the manager's figures.

Every function reads a bounded number of rows in a fixed number of queries (no query per task or per customer).
"""
import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Min, OuterRef, Subquery, Sum, Value, When, Window
from django.utils import timezone

from crm.dormancy import reasons
from crm.dormancy.models import CustomerDormancy, DormancyReason, DormancyStatus
from crm.permissions import can
from crm.roles import Role
from customers.models import Customer, Purchase, Touchpoint

from .models import DailyReport, Outcome, UpdateSuggestion, VisitLog, VisitTask

TODAY_LIMIT = 60
HOME_ROWS = 5
PRODUCTS_SHOWN = 3
COVERAGE_DAYS = 30
OUTCOME_WINDOW_DAYS = 90
REPORT_LOOKBACK_DAYS = 7


def tasks_for_rep(*, rep):
    """The rep's open tasks: due ones (today and overdue) first, each group by priority then due date.

    Each row carries `due_total`, how many of them are due, over all of them (a window total, so a page that
    shows only the first rows still counts every due task): the today page and the home card both read their
    count from here, so they cannot disagree.
    """
    today = timezone.localdate()
    is_later = Case(When(due_on__gt=today, then=Value(1)), default=Value(0), output_field=IntegerField())
    is_due = Case(When(due_on__lte=today, then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        VisitTask.objects.filter(assigned_to=rep, state=VisitTask.State.OPEN)
        .select_related("customer", "customer__dormancy", "customer__purchase_summary")
        .annotate(is_later=is_later, due_total=Window(Sum(is_due)))
        .order_by("is_later", F("priority").desc(nulls_last=True), "due_on", "pk")
    )


def _due_total(tasks):
    """The rep's due tasks, all of them, as counted on the rows of tasks_for_rep (0 without any open task)."""
    return tasks[0].due_total if tasks else 0


def products_bought(customer_ids, *, limit=PRODUCTS_SHOWN):
    """{customer id: [product name, …]}: what each customer bought most (by yen), one query."""
    rows = (
        Purchase.objects.filter(customer_id__in=customer_ids, product__isnull=False)
        .values("customer_id", "product__name").annotate(total=Sum("amount")).order_by("customer_id", "-total")
    )
    found = defaultdict(list)
    for row in rows:
        if len(found[row["customer_id"]]) < limit:
            found[row["customer_id"]].append(row["product__name"])
    return dict(found)


def today_page(*, rep):
    """The rows of the today page: each open task with the customer's key facts (three queries)."""
    today = timezone.localdate()
    tasks = list(tasks_for_rep(rep=rep)[:TODAY_LIMIT])
    products = products_bought([t.customer_id for t in tasks])
    rows = []
    for task in tasks:
        customer = task.customer
        dormancy = getattr(customer, "dormancy", None)
        summary = getattr(customer, "purchase_summary", None)
        rows.append({
            "task": task,
            "customer": customer,
            "dormancy": dormancy,
            "last_purchase_on": summary.last_purchase_on if summary else None,
            "products": products.get(customer.pk, []),
            "reason_label": DormancyReason(task.reason).label if task.reason in DormancyReason.values else "",
            "approach": task.note or reasons.approach_for(task.reason),
            "is_overdue": task.due_on < today,
            "map_query": f"{customer.prefecture}{customer.address}".strip(),
        })
    return {"rows": rows, "due": _due_total(tasks), "today": today}


def customer_panel(customer, user=None):
    """The card's visits panel: open tasks and the latest visit logs (two queries)."""
    return {
        "customer": customer,
        "may_log": user is not None and can(user, "visits.log", customer),
        "may_assign": user is not None and can(user, "visits.assign"),
        "tasks": list(customer.visit_tasks.filter(state=VisitTask.State.OPEN).select_related("assigned_to")
                      .order_by("due_on")[:10]),
        "logs": list(customer.visit_logs.select_related("rep", "contact").order_by("-visited_at")[:5]),
    }


def home_today(user):
    """The rep's home section: the first five rows of the today page and its due count, in one query."""
    rows = list(tasks_for_rep(rep=user)[:HOME_ROWS])
    return {"rows": rows, "due": _due_total(rows), "today": timezone.localdate()}


# ---------------------------------------------------------------- manager views


def coverage(*, today=None, days=COVERAGE_DAYS):
    """Dormant key accounts and whether their rep visited them within `days` of becoming dormant, by rep.

    Each account is `visited` (a visit touchpoint within the window), `late` (visited, but after it), `open` (not
    yet visited, window still open) or `missed`. Coverage = visited / (visited + late + missed): the accounts whose
    window has ended or that were visited. The first visit on or after dormant_since is read by one subquery.
    """
    today = today or timezone.localdate()
    first_visit = (
        Touchpoint.objects.filter(customer=OuterRef("customer_id"), channel=Touchpoint.Channel.VISIT,
                                  occurred_at__date__gte=OuterRef("dormant_since"))
        .order_by().values("customer").annotate(first=Min("occurred_at")).values("first")
    )
    accounts = (
        CustomerDormancy.objects.filter(status=DormancyStatus.DORMANT, dormant_since__isnull=False,
                                        customer__is_key_account=True, customer__merged_into__isnull=True)
        .exclude(customer__lifecycle=Customer.Lifecycle.RETIRED)
        .select_related("customer", "customer__assigned_rep")
        .annotate(first_visit_at=Subquery(first_visit))
        .order_by("dormant_since", "customer_id")
    )
    by_rep, rows = {}, []
    for d in accounts:
        deadline = d.dormant_since + datetime.timedelta(days=days)
        visited_on = timezone.localtime(d.first_visit_at).date() if d.first_visit_at else None
        if visited_on is not None:
            state = "visited" if visited_on <= deadline else "late"
        else:
            state = "open" if today <= deadline else "missed"
        rows.append({"d": d, "customer": d.customer, "deadline": deadline, "visited_on": visited_on, "state": state})
        rep = d.customer.assigned_rep
        figures = by_rep.setdefault(rep.pk if rep else None, {
            "rep": rep, "accounts": 0, "visited": 0, "late": 0, "open": 0, "missed": 0})
        figures["accounts"] += 1
        figures[state] += 1
    for figures in by_rep.values():
        figures["percent"] = _percent(figures)
    reps = sorted(by_rep.values(), key=lambda f: (f["rep"] is None, str(f["rep"] or "")))
    total = {k: sum(f[k] for f in reps) for k in ("accounts", "visited", "late", "open", "missed")}
    total["percent"] = _percent(total)
    return {"reps": reps, "rows": rows, "total": total, "days": days}


def _percent(figures):
    ended = figures["visited"] + figures["late"] + figures["missed"]
    return round(100 * figures["visited"] / ended) if ended else None


def overdue_tasks(*, today=None, limit=100):
    today = today or timezone.localdate()
    tasks = VisitTask.objects.filter(state=VisitTask.State.OPEN, due_on__lt=today)
    per_rep = list(tasks.values("assigned_to", "assigned_to__display_name", "assigned_to__username")
                   .annotate(n=Count("pk")).order_by("-n"))
    rows = list(tasks.select_related("customer", "assigned_to").order_by("due_on", "pk")[:limit])
    return {"per_rep": per_rep, "rows": rows, "total": sum(r["n"] for r in per_rep), "today": today}


def outcomes_by_reason(*, today=None, days=OUTCOME_WINDOW_DAYS):
    """Visit and call outcomes of the last `days` by the engine's reason at the time, and the reasons customers
    confirmed against the inferred ones (for tuning the inference rules)."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days)
    logs = VisitLog.objects.filter(visited_at__date__gt=since)
    counts = {(r["inferred_reason"], r["outcome"]): r["n"]
              for r in logs.values("inferred_reason", "outcome").annotate(n=Count("pk")).order_by()}
    reason_codes = [*DormancyReason.values, ""]
    table = []
    for code in reason_codes:
        cells = [counts.get((code, outcome), 0) for outcome in Outcome.values]
        if any(cells):
            label = DormancyReason(code).label if code else "-"
            table.append({"reason": code, "label": label, "cells": cells, "total": sum(cells)})
    confirmed = list(logs.exclude(confirmed_reason="").values("inferred_reason", "confirmed_reason")
                     .annotate(n=Count("pk")).order_by("inferred_reason", "-n"))
    return {"outcomes": Outcome.choices, "table": table, "confirmed": confirmed, "days": days}


def unsubmitted_reports(*, today=None, days=REPORT_LOOKBACK_DAYS):
    """Weekdays of the last `days` (before today) for which an active rep has no submitted report."""
    today = today or timezone.localdate()
    weekdays = [today - datetime.timedelta(days=k) for k in range(1, days + 1)]
    weekdays = [d for d in weekdays if d.weekday() < 5]
    reps = list(get_user_model().objects.filter(role=Role.SALES_REP, is_active=True).order_by("username"))
    sent = set(DailyReport.objects.filter(day__in=weekdays).exclude(state=DailyReport.State.DRAFT)
               .values_list("rep_id", "day"))
    rows = []
    for rep in reps:
        missing = [d for d in sorted(weekdays) if (rep.pk, d) not in sent]
        if missing:
            rows.append({"rep": rep, "days": missing})
    return {"rows": rows, "days": days}


def reports_to_review():
    """Submitted reports first (waiting to be read), then read ones; the latest 100."""
    return (DailyReport.objects.exclude(state=DailyReport.State.DRAFT).select_related("rep", "read_by")
            .order_by(Case(When(state=DailyReport.State.SUBMITTED, then=Value(0)), default=Value(1)), "-day", "rep_id"))


def pending_suggestions(*, kinds=None):
    pending = UpdateSuggestion.objects.filter(state=UpdateSuggestion.State.PENDING)
    if kinds:
        pending = pending.filter(kind__in=kinds)
    return pending.select_related("customer", "suggested_by", "visit_log").order_by("created_at", "pk")

