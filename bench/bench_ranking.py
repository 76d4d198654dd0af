"""Speed of the ranking's weekly check and of the learned priority on 1,000,000 customers / 20,000,000 purchase lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_bench .venv/bin/python -m bench.bench_ranking \
        [--as-of 2026-11-01] [--synthetic-only]

On the large data set of bench/datasets.py (built if missing; it takes long), in one process:
1. the weekly evaluation as the scan runs it (crm.dormancy.ranking.ranking_evaluate), forced to put the learned
   model in force so that both fits run (the back-test's, on a cut-off before as_of − 90, and the live one):
   the cut-off frames read from the purchases, the BG/NBD fits at each cut-off, the two logistic fits, the figures;
2. the nightly scan on that date and the next (the first evaluates, the second only scores): the scan's steps, the
   learned model computed in SQL inside the staging statement (classify);
3. in-process, without a database: fit (on the 200,000-row sample the product fits on) + scoring of a synthetic
   1,000,000-row feature frame — the model's own cost.
Target (issue 13): model fit + scoring of 1,000,000 customers inside the nightly scan ≤ 60 s.
"""
import argparse
import datetime as dt
import os
import sys
import time

from bench.django_setup import setup_postgres

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")  # --synthetic-only sets up without a database
DEFAULT_DSN = "postgres://postgres@127.0.0.1:5432/mezame_bench"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def synthetic(n=1_000_000, seed=11):
    """(fit seconds, score seconds) of the learned model on a synthetic frame shaped like a cut-off frame."""
    import numpy as np
    import pandas as pd

    from crm.dormancy import learned

    rng = np.random.default_rng(seed)
    purchase_days = 1 + rng.poisson(rng.gamma(0.8, 6, n))
    tenure = rng.integers(30, 1800, n)
    days = np.minimum(tenure, rng.exponential(200, n).astype(int))
    frame = pd.DataFrame({
        "days_since_last_purchase": days, "purchase_days": purchase_days, "tenure_days": tenure,
        "total_amount": purchase_days * rng.lognormal(9.5, 0.9, n).astype(int),
        "amount_last_12m": rng.integers(0, 400_000, n), "amount_prev_12m": rng.integers(0, 400_000, n),
        "median_interval_days": np.where(purchase_days > 1, tenure / purchase_days, np.nan),
        "p_alive": rng.random(n), "expected_purchases_90d": rng.gamma(1, 0.5, n),
        "reason": rng.choice(["", "product", "price", "customer_side", "unknown"], n),
        "is_key_account": (rng.random(n) < 0.01).astype(int), "touchpoints_365d": rng.poisson(0.3, n),
        "spend_rank": rng.random(n),
    })
    chance = 1 / (1 + np.exp(1 + np.log1p(days) * 0.6 - np.log(purchase_days) * 0.8))
    returned = rng.random(n) < chance
    started = time.perf_counter()
    X = learned.feature_matrix(frame)
    keep = np.sort(rng.choice(n, learned.MAX_TRAINING_ROWS, replace=False))
    model = learned._fit(X[keep], returned[keep], frame.index.to_numpy()[keep], label_days=90, horizon_days=90,
                         cutoffs=[])
    fitted = time.perf_counter() - started
    started = time.perf_counter()
    probability = model.probability(frame)
    learned.priority_from(probability, frame)
    return fitted, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default="2026-11-01")
    parser.add_argument("--synthetic-only", action="store_true", help="only step 3 (no database needed)")
    args = parser.parse_args(argv)

    import django

    if args.synthetic_only:
        django.setup()
        fit_s, score_s = synthetic()
        print(f"synthetic 1,000,000 rows: fit {fit_s:.1f} s (200,000-row sample), scoring {score_s:.1f} s, "
              f"total {fit_s + score_s:.1f} s   target ≤ 60 s")
        return
    setup_postgres(default_dsn=DEFAULT_DSN)
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.datasets import ensure_large_dataset
    from crm.dormancy import backtest, ranking
    from crm.dormancy.models import RankingEvaluation
    from crm.dormancy.pipeline import scan_dormancy

    call_command("migrate", verbosity=0)
    log(f"data: {ensure_large_dataset('default')}")
    # As autovacuum keeps a live table: the cut-off figures are an index-only scan, which needs the visibility map
    # (right after the bulk load every line would be fetched from the heap, six times slower). Not timed.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) customers_purchase")
    as_of = dt.date.fromisoformat(args.as_of)
    RankingEvaluation.objects.all().delete()

    # 1. The weekly evaluation, with the learned model forced into force so that its live fit is timed too.
    chosen = backtest.choose_priority
    backtest.choose_priority = lambda populations: "learned"
    try:
        started = time.perf_counter()
        with transaction.atomic():
            evaluation = ranking.ranking_evaluate(as_of=as_of)
        evaluate_s = time.perf_counter() - started
    finally:
        backtest.choose_priority = chosen
    figures = evaluation.figures
    log(f"evaluation: {evaluate_s:.1f} s; back-test {figures['seconds']} s (its model: {figures['model']}); "
        f"live model: {figures.get('model_in_force')}")
    real_choice = chosen(figures["populations"])

    # 2. The scan: this date (the evaluation above is reused: scoring only) and the next night.
    RankingEvaluation.objects.filter(pk=evaluation.pk).update(method="learned")
    runs = []
    for day in (as_of, as_of + dt.timedelta(days=1)):
        started = time.perf_counter()
        run = scan_dormancy(as_of=day, triggered_by="bench")
        runs.append((day, time.perf_counter() - started, run))
        log(f"scan {day}: {run.step_seconds} {run.counts.get('ranking')}")
    fit_s, score_s = synthetic()

    print(f"weekly evaluation (back-test + both fits), 1M customers:  {evaluate_s:8.1f} s")
    print(f"  back-test alone (cut-off frames, BG/NBD fits, its model):  {figures['seconds']:8.1f} s; "
          f"live model fit {figures.get('model_in_force', {}).get('seconds')} s")
    for day, seconds, run in runs:
        print(f"scan {day}: {seconds:6.1f} s, classify (learned model in SQL) {run.step_seconds.get('classify')} s, "
              f"choose_ranking {run.step_seconds.get('choose_ranking')} s")
    print(f"synthetic 1,000,000 rows in-process: fit {fit_s:.1f} s + scoring {score_s:.1f} s   target ≤ 60 s")
    targets = figures["populations"]["targets"]["scores"]
    print(f"back-test at {figures['cutoff']}: targets AUC recency {targets['recency']['auc']}, rule "
          f"{targets['priority_rule']['auc']}, learned {targets['priority_learned']['auc']}; "
          f"the product would put in force: {real_choice}")


if __name__ == "__main__":
    main()
