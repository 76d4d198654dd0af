"""Benchmark of the nightly dormancy scan on the large data set (1,000,000 customers / 20,000,000 purchase lines).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_bench .venv/bin/python -m bench.bench_dormancy

Measured in one run, on the same warm database:
1. the baseline: ONE raw SQL aggregate over all purchases — max date and the two yearly sums per customer —
   materialised server-side (CREATE TEMP TABLE … AS), best of two;
2. the full scan `scan_dormancy(as_of=D)` with every step and the status-change events, four times: the first
   scan of a fresh engine (a million initial events, cold model fit), an immediate second scan of the same day
   (steady state: nothing to write), the next night (D + 1 day: the windows move, every day-count changes) and
   that night again as the weekly verification (`full=True`: the figures rebuilt from 730 days of purchases);
3. the BG/NBD fit and scoring of every buyer alone (cold start, grouped triples from the summary table), and as
   the scan's step.
Targets (issue 6): scan ≤ 2 × baseline; fit + scoring ≤ 60 s.
"""
import argparse
import datetime as dt
import sys
import time

from bench.django_setup import setup_postgres

DEFAULT_DSN = "postgres://postgres@127.0.0.1:5432/mezame_bench"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(label, fn):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # each timed run starts without the previous one's dirty pages to write
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    log(f"{label}: {seconds:.1f} s")
    return seconds, value


def raw_aggregate(as_of):
    from django.db import connection, transaction

    last_from, prev_from = as_of - dt.timedelta(days=364), as_of - dt.timedelta(days=729)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", ["256MB"])  # as the scan has
        cursor.execute("DROP TABLE IF EXISTS bench_raw_aggregate")
        cursor.execute(
            "CREATE TEMP TABLE bench_raw_aggregate ON COMMIT DROP AS "
            "SELECT customer_id, MAX(purchased_on) AS last_on, "
            "SUM(amount) FILTER (WHERE purchased_on >= %s) AS last_12m, "
            "SUM(amount) FILTER (WHERE purchased_on >= %s AND purchased_on < %s) AS prev_12m "
            "FROM customers_purchase WHERE purchased_on <= %s GROUP BY customer_id",
            [last_from, prev_from, last_from, as_of],
        )
        return cursor.rowcount


def model_alone(as_of):
    """Fit (cold start) + score every buyer, grouped by (x, t_x, T) in SQL as the scan's model step does."""
    import numpy as np

    from crm.dormancy import bgnbd, scoring

    started = time.perf_counter()
    purchase_days, span, age, weights = scoring.model_inputs(figures="customers_customerpurchasesummary", as_of=as_of)
    read = time.perf_counter() - started
    x, t_x, T = (purchase_days - 1).astype(float), span / 7, age / 7
    started = time.perf_counter()
    params = bgnbd.fit(x, t_x, T, weights=weights)
    fitted = time.perf_counter() - started
    alive = bgnbd.p_alive(params, x, t_x, T)
    expected = bgnbd.expected_purchases(params, 90 / 7, x, t_x, T)
    total = time.perf_counter() - started
    return {"customers": int(weights.sum()), "distinct_triples": len(x), "read_s": read, "fit_s": fitted,
            "fit_and_score_s": total, "params": params,
            "mean_p_alive": float(np.dot(alive, weights) / weights.sum()),
            "mean_expected_90d": float(np.dot(expected, weights) / weights.sum())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default="2026-11-01", help="scan date (default: the day after the data ends)")
    args = parser.parse_args(argv)
    setup_postgres(default_dsn=DEFAULT_DSN)
    from django.core.management import call_command
    from django.db import connection

    from bench.datasets import ensure_large_dataset
    from crm.dormancy.models import CustomerDormancy, StatusChange
    from crm.dormancy.pipeline import scan_dormancy

    as_of = dt.date.fromisoformat(args.as_of)
    call_command("migrate", verbosity=0)
    info = ensure_large_dataset("default")
    log(f"data: {info}")

    # A fresh engine: the first scan then records one event per buyer, the worst case. The summaries' windows are
    # put back to the scan date (an earlier bench run moved them on), as that day's import would have left them.
    from customers.purchases.windows import refresh_purchase_windows

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE crm_statuschange, crm_customerdormancy, crm_modelfit, crm_scanrun")
    log(f"summary windows back to {as_of}: {refresh_purchase_windows(as_of=as_of):,} rows (not timed)")

    raw = [timed("raw aggregate", lambda: raw_aggregate(as_of))[0] for _ in range(2)]
    baseline = min(raw)
    first_s, first = timed("scan (first, fresh engine)", lambda: scan_dormancy(as_of=as_of, triggered_by="bench"))
    log(f"first: {first.step_seconds} {first.counts}")
    again_s, again = timed("scan (same day again)", lambda: scan_dormancy(as_of=as_of, triggered_by="bench"))
    log(f"again: {again.step_seconds} {again.counts}")
    next_day = as_of + dt.timedelta(days=1)
    nightly_s, nightly = timed("scan (next night)", lambda: scan_dormancy(as_of=next_day, triggered_by="bench"))
    log(f"next night: {nightly.step_seconds} {nightly.counts}")
    weekly_s, weekly = timed("scan (next night again, as the weekly full pass)",
                             lambda: scan_dormancy(as_of=next_day, triggered_by="bench", full=True))
    log(f"weekly full pass: {weekly.step_seconds} {weekly.counts['figures']}")
    model = model_alone(as_of)
    log(f"model alone: {model}")

    print(f"raw aggregate (best of 2):          {baseline:8.1f} s   ({raw[0]:.1f}, {raw[1]:.1f})")
    print(f"full scan, first (fresh engine):    {first_s:8.1f} s   ratio {first_s / baseline:.2f}×   "
          f"steps {first.step_seconds}   changes {sum(first.counts['changes'].values())}")
    print(f"full scan, same day again:          {again_s:8.1f} s   ratio {again_s / baseline:.2f}×   "
          f"steps {again.step_seconds}   rows written {again.counts['rows_written']}")
    print(f"full scan, next night:              {nightly_s:8.1f} s   ratio {nightly_s / baseline:.2f}×   "
          f"steps {nightly.step_seconds}   changes {nightly.counts['changes']}   "
          f"rows written {nightly.counts['rows_written']}   figures {nightly.counts['figures']}")
    print(f"weekly full pass (--full):          {weekly_s:8.1f} s   ratio {weekly_s / baseline:.2f}×   "
          f"steps {weekly.step_seconds}   figures {weekly.counts['figures']}")
    print(f"BG/NBD fit alone (cold start):      {model['fit_s']:8.1f} s   on {model['customers']:,} customers "
          f"({model['distinct_triples']:,} distinct (x, t_x, T))")
    print(f"BG/NBD fit + scoring alone:         {model['fit_and_score_s']:8.1f} s   target ≤ 60 s")
    print(f"model step inside the scan:         {nightly.step_seconds.get('fit_and_score_model', 0):8.1f} s "
          "(grouped read, warm-started fit, score, COPY back)")
    p = model["params"]
    print(f"parameters (weeks): r={p.r:.4f} alpha={p.alpha:.4f} a={p.a:.4f} b={p.b:.4f} LL={p.log_likelihood:.1f}")
    print(f"statuses: {nightly.counts['statuses']}   current rows {CustomerDormancy.objects.count():,}   "
          f"events {StatusChange.objects.count():,}")


if __name__ == "__main__":
    main()
