"""Benchmark of the visits nightly step: tasks for newly dormant or at-risk key accounts and each rep's top N dormant
customers, on a base of customers with verdicts (bench.bench_dormant_list.fill: 500 reps, 25 % dormant, 7 % at risk).

    createdb -h 127.0.0.1 -U postgres mezame_visits_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_visits_bench .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.bench_visits --dsn postgres://postgres@127.0.0.1:5432/mezame_visits_bench \
        [--customers 200000] [--top 20]

One customer in twenty is a key account; every key account that is dormant or at risk gets a StatusChange in the
run. Timed in one transaction that is rolled back at the end (so the run can be repeated):

- floor: the top-N ranking alone, written to a temp table with no constraint (CREATE TEMP TABLE … AS SELECT);
- key accounts (visits.pipeline.create_key_account_tasks), then each rep's top N (create_top_dormant_tasks);
- both again (a rerun: every row meets the partial unique index and is skipped).
"""
import argparse
import datetime
import time

from bench.django_setup import setup_postgres


def timed(label, fn, floor=None):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    ratio = f"{seconds / floor:8.1f}" if floor else f"{'':8}"
    print(f"{label:55} {seconds:8.3f} s {ratio}  {result if result is not None else ''}", flush=True)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--top", type=int, default=20, help="top dormant customers per rep (N)")
    args = parser.parse_args(argv)
    setup_postgres(args.dsn)
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.bench_dormant_list import AS_OF, fill
    from crm.dormancy.models import ScanRun
    from visits import pipeline
    from visits.models import VisitSettings

    fill(args.customers)
    as_of = datetime.date.fromisoformat(str(AS_OF))
    with connection.cursor() as cursor:
        # fill() shares the customers among the reps only when it creates them: a base grown later keeps the new
        # ones unassigned, and a customer without a rep gets no task.
        cursor.execute("UPDATE customers_customer c SET assigned_rep_id = u.id FROM crm_user u "
                       "WHERE c.assigned_rep_id IS NULL AND c.code LIKE 'B%%' "
                       "AND u.username = 'benchrep' || (1 + c.id %% 500)::text", [])
        cursor.execute("UPDATE customers_customer SET is_key_account = (id %% 20 = 0) "
                       "WHERE code LIKE 'B%%' AND is_key_account <> (id %% 20 = 0)", [])
    print(f"{'step':55} {'seconds':>10} {'× floor':>8}  rows")

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            for setting in ("SET LOCAL jit = off", "SET LOCAL work_mem = '256MB'"):  # as the scan does
                connection.cursor().execute(setting)
            row = VisitSettings.current()
            row.top_dormant_per_rep = args.top
            row.save()
            run = ScanRun.objects.create(as_of=as_of, triggered_by="bench")
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO crm_statuschange (customer_id, from_status, to_status, rule, reason, purchase_days, "
                    "total_amount, amount_last_12m, amount_prev_12m, as_of, scan_run_id) "
                    "SELECT d.customer_id, 'active', d.status, d.rule, d.reason, 1, 0, 0, 0, %s, %s "
                    "FROM crm_customerdormancy d JOIN customers_customer c ON c.id = d.customer_id "
                    "WHERE d.status IN ('dormant', 'at_risk') AND c.is_key_account", [as_of, run.pk])
                changes = cursor.rowcount
                cursor.execute("ANALYZE crm_statuschange")
            print(f"key accounts that went quiet in the run: {changes:,}; top N per rep: {args.top}")

            def floor_sql():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "CREATE TEMP TABLE bench_visits_floor AS SELECT * FROM (SELECT cd.customer_id, "
                        "c.assigned_rep_id, cd.priority_score, ROW_NUMBER() OVER (PARTITION BY c.assigned_rep_id "
                        "ORDER BY cd.priority_score DESC NULLS LAST, cd.customer_id) AS n "
                        "FROM crm_customerdormancy cd JOIN customers_customer c ON c.id = cd.customer_id "
                        "WHERE cd.status = 'dormant' AND NOT cd.is_excluded) r WHERE n <= %s", [args.top])
                    return cursor.rowcount

            floor = timed("floor: the top-N ranking into a temp table", floor_sql)
            now = timezone.now()
            for label in ("", " (rerun)"):
                timed(f"key accounts{label}", lambda: pipeline.create_key_account_tasks(
                    run_id=run.pk, as_of=as_of, settings_row=row, now=now), floor)
                timed(f"each rep's top N{label}", lambda: pipeline.create_top_dormant_tasks(
                    as_of=as_of, settings_row=row, now=now), floor)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
