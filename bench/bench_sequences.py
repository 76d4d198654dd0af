"""Benchmark of the campaigns' nightly step: 50,000 customers change state among 1,000,000, get enrolled into
their playbooks and run their first step; then the later steps.

    createdb -h 127.0.0.1 -U postgres mezame_seq_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_seq_bench .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.bench_sequences --dsn postgres://postgres@127.0.0.1:5432/mezame_seq_bench

Data: bench.campaign_data. The three default playbooks; a ScanRun with 50,000 StatusChange rows (customers who are
dormant or at risk, highest priority first is NOT assumed: every 10th such customer). Timed, in one transaction
that is rolled back at the end (so the run can be repeated):

- floor: the same 50,000 rows copied with their priority into a temp table (CREATE TEMP TABLE … AS SELECT);
- the scan step (campaigns.nightly.campaign_sequences): enrolment + first step (+ the channels' handlers, unless
  --no-handlers);
- the same step again (a rerun: nothing to do);
- 14 days later: the letter step (no click), 35 days later: the call step (key accounts, 40 per rep and week).
Target: the scan step ≤ 30 s.
"""
import argparse
import datetime
import time

from bench.django_setup import setup_postgres

CHANGES = 50_000


def timed(label, fn, floor=None):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    ratio = f"{seconds / floor:8.1f}" if floor else f"{'':8}"
    print(f"{label:55} {seconds:8.2f} s {ratio}  {result if result is not None else ''}", flush=True)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=CHANGES)
    parser.add_argument("--no-handlers", action="store_true", help="leave delivery and visits out (engine alone)")
    args = parser.parse_args(argv)
    setup_postgres(args.dsn)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from bench import campaign_data
    from campaigns import channels, nightly, playbooks, sequences
    from crm.dormancy.models import ScanRun
    from crm.dormancy.pipeline import ScanContext

    campaign_data.fill(args.customers)
    if args.no_handlers:
        channels._HANDLERS.clear()
    as_of = datetime.date.fromisoformat(campaign_data.AS_OF)
    manager = get_user_model().objects.get(username="benchmanager")
    print(f"handlers: {channels.registered_channels() or 'none'}")
    print(f"{'step':55} {'seconds':>10} {'× floor':>8}  counts")
    with transaction.atomic():
        for setting in ("SET LOCAL jit = off", "SET LOCAL work_mem = '256MB'"):
            connection.cursor().execute(setting)
        playbooks.playbooks_default_create(by=manager, today=as_of)
        run = ScanRun.objects.create(as_of=as_of, triggered_by="bench")
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO crm_statuschange (customer_id, from_status, to_status, rule, reason, purchase_days, "
                "total_amount, amount_last_12m, amount_prev_12m, as_of, scan_run_id) "
                "SELECT customer_id, 'active', status, rule, reason, 1, 0, 0, 0, %s, %s FROM crm_customerdormancy "
                "WHERE status IN ('dormant', 'at_risk') AND NOT is_excluded AND customer_id %% 3 = 0 "
                "ORDER BY customer_id LIMIT %s", [as_of, run.pk, args.changes])
            cursor.execute("ANALYZE crm_statuschange")

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE bench_floor ON COMMIT DROP AS SELECT sc.customer_id, d.priority_score "
                    "FROM crm_statuschange sc JOIN crm_customerdormancy d ON d.customer_id = sc.customer_id "
                    "WHERE sc.scan_run_id = %s", [run.pk])
                return cursor.rowcount

        floor_s = timed("floor: copy the 50,000 changes with their priority", floor)
        ctx = ScanContext(as_of=as_of, run=run)

        def step():
            nightly.campaign_sequences(ctx)
            return ctx.counts["campaigns"]

        timed("nightly step: enrol + first step", step, floor_s)
        connection.cursor().execute("ANALYZE campaigns_campaigntarget, campaigns_stepexecution")
        timed("nightly step again (rerun, nothing to do)", step, floor_s)
        for days in (14, 35):
            timed(f"advance {days} days later", lambda days=days: sequences.sequences_advance(
                today=as_of + datetime.timedelta(days=days)), floor_s)
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
