"""The demo's field sales (visits app): after the scan has handed out tonight's tasks, three reps have worked some
of them yesterday — visits and calls logged with outcomes and next actions, a suggested phone number, a customer
reported closed — and written their daily reports (two submitted, one read by the manager with a comment).

Everything goes through the visits services, the same code the screens call. Tasks, logs and suggestions hang on
demo customers, so the demo's wipe takes them along; the demo reps' reports are deleted here before rebuilding.
"""
import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from visits import reports, services
from visits.models import DailyReport, VisitTask

from . import DEMO_USERS

REPS = ("rep1", "rep2", "rep3")
OUTCOMES = ["needs_found", "quote_requested", "order_taken", "no_interest", "needs_found"]
NOTES = {
    "needs_found": "来期の改修案件で断熱材の需要あり。カタログを置いてきた。",
    "quote_requested": "石膏ボードの値上げに不満。数量をまとめれば単価を下げられるか見積を依頼された。",
    "order_taken": "防水材を受注。来月も同程度の発注見込み。",
    "no_interest": "現在は他社で足りているとのこと。半年後に再訪。",
}


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def demo_field_sales(*, as_of, seed=42, log=print):
    rng = random.Random(seed)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[n for n, _, _ in DEMO_USERS])}
    manager = users["manager"]
    DailyReport.objects.filter(rep__in=[users[name] for name in REPS]).delete()
    yesterday = as_of - timedelta(days=1)
    logged = 0
    for index, name in enumerate(REPS):
        rep = users[name]
        tasks = list(VisitTask.objects.filter(assigned_to=rep, state=VisitTask.State.OPEN)
                     .select_related("customer").order_by("-priority", "pk")[:3])
        for n, task in enumerate(tasks):
            outcome = OUTCOMES[(index + n) % len(OUTCOMES)]
            extra = {}
            if outcome == "quote_requested":
                extra = {"next_action": "見積書を持参して再訪問", "next_action_on": as_of + timedelta(days=rng.randint(2, 6)),
                         "confirmed_reason": "price", "reason_note": "値上げ後に他社へ一部切り替え"}
            if index == 0 and n == 2:
                extra["new_phone"] = f"045-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
            services.visit_log_record(customer=task.customer, by=rep, task=task, channel=task.kind,
                                      purpose=task.purpose, outcome=outcome, visited_at=_at(yesterday, 10 + 2 * n),
                                      notes=NOTES[outcome], **extra)
            logged += 1
        if index == 2 and tasks:
            closed = VisitTask.objects.filter(assigned_to=rep, state=VisitTask.State.OPEN).select_related("customer")
            closed = closed.order_by("pk").first()
            if closed is not None:
                services.visit_log_record(customer=closed.customer, by=rep, task=closed, channel=closed.kind,
                                          purpose=closed.purpose, outcome="business_closed",
                                          visited_at=_at(yesterday, 16), notes="店舗が閉まっており、近隣の話では先月廃業。")
                logged += 1
        if index < 2:
            report = reports.daily_report_save(
                rep=rep, day=yesterday, by=rep, what_happened=f"{len(tasks)}件訪問。見積依頼あり。",
                issues="石膏ボードの値上げへの不満が複数の顧客から出ている。", tomorrow_plan="見積書作成、重点顧客へ電話。")
            reports.daily_report_submit(report=report, by=rep)
            if index == 0:
                reports.daily_report_review(report=report, by=manager, comment="値上げの件、単価交渉の方針を明日相談しましょう。")
    log(f"demo field sales: {logged} visits logged, reports for {yesterday}")
    return logged
