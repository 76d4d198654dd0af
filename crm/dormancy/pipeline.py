"""The nightly dormancy scan: one service, an explicit ordered list of steps, run under a lock in one transaction.

    scan_dormancy(as_of=…, triggered_by=…) -> ScanRun

STEPS run in order on a ScanContext. Each step is a function of the context doing set-based SQL on a staging table
(`dormancy_scan_stage`, a temp table) until `record_changes` compares it with the current statuses, records the
changes and writes the new state. Later features extend the scan by adding steps (`register_step`): e.g. queue
outreach for customers who became dormant in this run (StatusChange rows with scan_run=ctx.run).

Guarantees: all steps share one transaction, so a crash leaves the previous consistent state; a second run while
one is going is refused and recorded (PostgreSQL advisory lock, a cache lock elsewhere — SQLite serialises writers
anyway); running again for the same as_of changes nothing (every write compares before it writes).
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import io
import logging
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from customers.purchases.summary import refresh_purchase_summaries

from . import bgnbd, priority, reasons, rules, sql
from .models import CustomerDormancy, DormancyRule, DormancyStatus, ModelFit, RuleCode, ScanRun, StatusChange

logger = logging.getLogger(__name__)

STAGE = "dormancy_scan_stage"
SCORES = "dormancy_scan_scores"
LOCK_KEY = 0x6D657A616D65  # "mezame": the advisory-lock id of the scan
CACHE_LOCK = "dormancy-scan-lock"
CACHE_LOCK_SECONDS = 6 * 3600
SCAN_WORK_MEM = "256MB"
MIN_CUSTOMERS_FOR_MODEL = 20  # below this the BG/NBD fit says nothing useful
PREDICTION_DAYS = 90
DAYS_PER_WEEK = 7.0


@dataclass
class ScanContext:
    as_of: object
    run: ScanRun
    rules: list
    counts: dict = field(default_factory=dict)
    step_seconds: dict = field(default_factory=dict)


# ---------------------------------------------------------------- steps


def refresh_summaries(ctx):
    # The 12-month windows move every day, so the figures are recomputed before anything reads them.
    refresh_purchase_summaries(as_of=ctx.as_of)


def classify(ctx):
    select, params = rules.classify_sql(rules=ctx.rules, as_of=ctx.as_of)
    n = sql.typed_null
    staged = (
        f"SELECT c.*, {n('text')} AS reason, {n('float')} AS priority_score, {n('text')} AS exclusion_reason, "
        f"{n('float')} AS p_alive, {n('float')} AS expected_purchases_90d, {n('date')} AS next_expected_purchase_on, "
        f"{n('date')} AS dormant_since, {n('date')} AS status_since FROM ({select}) c"
    )
    sql.execute(f"DROP TABLE IF EXISTS {STAGE}")
    sql.execute(sql.temp_table(STAGE, staged), params)
    sql.execute(f"CREATE UNIQUE INDEX {STAGE}_pk ON {STAGE} (customer_id)")
    if sql.is_postgres():
        sql.execute(f"ANALYZE {STAGE}")
    rows = sql.fetch_all(f"SELECT status, COUNT(*) FROM {STAGE} GROUP BY status")
    ctx.counts["statuses"] = dict(sorted(rows))
    ctx.counts["customers"] = sum(ctx.counts["statuses"].values())


def assign_reasons(ctx):
    case, params = reasons.reason_case_sql(alias=STAGE)
    sql.execute(f"UPDATE {STAGE} SET reason = {case}", params)


def score_priority(ctx):
    sql.execute(*priority.score_update_sql(STAGE))
    sql.execute(*priority.exclusion_update_sql(STAGE, ctx.rules))


def fit_and_score_model(ctx):
    """Fit BG/NBD on every buyer (weeks), store the fit, and write p_alive / expected purchases back in bulk."""
    sql.execute(
        f"UPDATE {STAGE} SET next_expected_purchase_on = "
        f"{sql.add_days('last_purchase_on', 'ROUND(median_interval_days)')} WHERE median_interval_days IS NOT NULL"
    )
    ids, x, t_x, T = _model_inputs()
    if len(ids) < MIN_CUSTOMERS_FOR_MODEL:
        ctx.counts["model"] = {"skipped": "too few customers", "n_customers": len(ids)}
        return
    params = bgnbd.fit(x, t_x, T)
    ModelFit.objects.update_or_create(
        fitted_on=ctx.as_of,
        defaults={
            "r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b,
            "log_likelihood": params.log_likelihood, "n_customers": params.n_customers, "seconds": params.seconds,
        },
    )
    alive = bgnbd.p_alive(params, x, t_x, T)
    expected = bgnbd.expected_purchases(params, PREDICTION_DAYS / DAYS_PER_WEEK, x, t_x, T)
    _write_scores(ids, alive, expected)
    ctx.counts["model"] = {
        "r": round(params.r, 4), "alpha": round(params.alpha, 4), "a": round(params.a, 4), "b": round(params.b, 4),
        "log_likelihood": round(params.log_likelihood, 1), "n_customers": params.n_customers,
    }


def record_changes(ctx):
    """Derive the since-dates, record every status change, then write the new state (only rows that differ)."""
    current = sql.table(CustomerDormancy)
    d = sql.date_param()
    explained = [DormancyStatus.DORMANT.value, DormancyStatus.LOST.value]
    sql.execute(
        f"UPDATE {STAGE} SET status_since = {d}, dormant_since = CASE WHEN status IN (%s, %s) THEN {d} END",
        [ctx.as_of, *explained, ctx.as_of],
    )
    # Inactivity: dormant since the day the threshold was crossed; lost customers crossed it too.
    sql.execute(
        f"UPDATE {STAGE} SET dormant_since = {sql.add_days(f'{STAGE}.last_purchase_on', 'r.days')} "
        f"FROM {sql.table(DormancyRule)} r WHERE r.id = {STAGE}.applied_rule_id AND {STAGE}.rule = %s",
        [RuleCode.INACTIVITY.value],
    )
    inactivity_days = next(
        (r.days for r in ctx.rules if r.code == RuleCode.INACTIVITY and r.is_default and r.days), 180
    )
    sql.execute(
        f"UPDATE {STAGE} SET dormant_since = {sql.add_days('last_purchase_on', '%s')} WHERE rule = %s",
        [inactivity_days, RuleCode.LOST.value],
    )
    # Unchanged status keeps its since-date; an unchanged other rule keeps the first as_of at which it held.
    sql.execute(
        f"UPDATE {STAGE} SET status_since = COALESCE(cur.status_since, {STAGE}.status_since), "
        f"dormant_since = CASE WHEN {STAGE}.rule IN (%s, %s) OR cur.rule <> {STAGE}.rule THEN {STAGE}.dormant_since "
        f"ELSE COALESCE(cur.dormant_since, {STAGE}.dormant_since) END "
        f"FROM {current} cur WHERE cur.customer_id = {STAGE}.customer_id AND cur.status = {STAGE}.status",
        [RuleCode.INACTIVITY.value, RuleCode.LOST.value],
    )
    changed = (
        f"FROM {STAGE} s LEFT JOIN {current} cur ON cur.customer_id = s.customer_id "
        f"WHERE (cur.customer_id IS NULL AND s.status <> %s) OR cur.status <> s.status"
    )
    prospect = [DormancyStatus.PROSPECT.value]
    rows = sql.fetch_all(f"SELECT COALESCE(cur.status, ''), s.status, COUNT(*) {changed} GROUP BY 1, 2", prospect)
    ctx.counts["changes"] = {f"{old or '-'}→{new}": n for old, new, n in sorted(rows)}
    sql.execute(
        f"INSERT INTO {sql.table(StatusChange)} (customer_id, from_status, to_status, rule, reason, "
        "days_since_last_purchase, last_purchase_on, purchase_days, total_amount, amount_last_12m, amount_prev_12m, "
        "as_of, scan_run_id) "
        f"SELECT s.customer_id, COALESCE(cur.status, ''), s.status, s.rule, s.reason, s.days_since_last_purchase, "
        f"s.last_purchase_on, s.purchase_days, s.total_amount, s.amount_last_12m, s.amount_prev_12m, {d}, %s "
        f"{changed}",
        [ctx.as_of, ctx.run.pk, *prospect],
    )
    columns = [
        "status", "rule", "applied_rule_id", "reason", "dormant_since", "status_since", "days_since_last_purchase",
        "priority_score", "is_excluded", "exclusion_reason", "p_alive", "expected_purchases_90d",
        "next_expected_purchase_on", "as_of",
    ]
    values = {c: f"s.{c}" for c in columns}
    values.update({"is_excluded": "(s.exclusion_reason <> '')", "as_of": d})
    differs = " OR ".join(sql.is_distinct(f"{current}.{c}", f"excluded.{c}") for c in columns)
    sql.execute(
        f"INSERT INTO {current} (customer_id, {', '.join(columns)}) "
        f"SELECT s.customer_id, {', '.join(values[c] for c in columns)} FROM {STAGE} s WHERE 1 = 1 "
        f"ON CONFLICT (customer_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns)} "
        f"WHERE {differs}",
        [ctx.as_of],
    )
    # Merged, retired or deleted customers leave the engine's lists (their history stays).
    sql.execute(
        f"DELETE FROM {current} WHERE NOT EXISTS "
        f"(SELECT 1 FROM {STAGE} s WHERE s.customer_id = {current}.customer_id)"
    )


STEPS = [refresh_summaries, classify, assign_reasons, score_priority, fit_and_score_model, record_changes]


def register_step(step, *, after=None):
    """Add a step to the scan, after the named step (default: at the end). Later features call this."""
    if step in STEPS:
        return
    if after is None:
        STEPS.append(step)
    else:
        STEPS.insert([s.__name__ for s in STEPS].index(after) + 1, step)


# ---------------------------------------------------------------- the service


def scan_dormancy(*, as_of=None, triggered_by=""):
    """Run every step for `as_of` (default: today in Tokyo) and return the recorded ScanRun."""
    as_of = as_of or timezone.localdate()
    run = ScanRun.objects.create(as_of=as_of, triggered_by=triggered_by[:100])
    if not _acquire_lock():
        run.outcome = ScanRun.Outcome.REFUSED
        run.error = "another scan was running"
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "error", "finished_at"])
        logger.warning("dormancy scan for %s refused: another scan is running", as_of)
        return run
    ctx = ScanContext(as_of=as_of, run=run, rules=rules.load_rules())
    try:
        with transaction.atomic():
            if sql.is_postgres():
                # A nightly batch sorts and hashes millions of rows: give this transaction room (SET LOCAL ends with it).
                sql.execute("SELECT set_config('work_mem', %s, true)", [SCAN_WORK_MEM])
            for step in list(STEPS):
                started = time.perf_counter()
                step(ctx)
                ctx.step_seconds[step.__name__] = round(time.perf_counter() - started, 3)
    except Exception:
        run.outcome = ScanRun.Outcome.FAILED
        run.error = traceback.format_exc()[-4000:]
        run.step_seconds = ctx.step_seconds
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "error", "step_seconds", "finished_at"])
        logger.exception("dormancy scan for %s failed", as_of)
        raise
    finally:
        _release_lock()
    run.outcome = ScanRun.Outcome.SUCCEEDED
    run.counts = ctx.counts
    run.step_seconds = ctx.step_seconds
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "counts", "step_seconds", "finished_at"])
    return run


# ---------------------------------------------------------------- helpers


def _acquire_lock():
    if sql.is_postgres():
        return bool(sql.fetch_all("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])[0][0])
    return cache.add(CACHE_LOCK, timezone.now().isoformat(), timeout=CACHE_LOCK_SECONDS)


def _release_lock():
    if sql.is_postgres():
        sql.fetch_all("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    else:
        cache.delete(CACHE_LOCK)


def _model_inputs():
    """(ids, x, t_x, T) of every buyer in the staging table, times in weeks."""
    query = (
        f"SELECT customer_id, purchase_days - 1, {sql.days_between('last_purchase_on', 'first_purchase_on')}, "
        f"days_since_last_purchase FROM {STAGE} WHERE purchase_days > 0"
    )
    if sql.is_postgres():
        # COPY is several times faster than fetching a million tuples.
        buffer = io.StringIO()
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
        buffer.seek(0)
        data = np.loadtxt(buffer, delimiter=",", dtype=np.int64, ndmin=2) if buffer.getvalue() else np.empty((0, 4))
    else:
        data = np.array(sql.fetch_all(query), dtype=np.int64).reshape(-1, 4)
    ids, x, span, since_last = (data[:, k] for k in range(4))
    return ids, x.astype(float), span / DAYS_PER_WEEK, (span + since_last) / DAYS_PER_WEEK


def _write_scores(ids, alive, expected):
    sql.execute(f"DROP TABLE IF EXISTS {SCORES}")
    if sql.is_postgres():
        sql.execute(f"CREATE TEMP TABLE {SCORES} (customer_id bigint, p_alive double precision, expected double precision) ON COMMIT DROP")
        buffer = io.StringIO()
        np.savetxt(buffer, np.column_stack([ids, alive, expected]), delimiter=",", fmt=["%d", "%.17g", "%.17g"])
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {SCORES} FROM STDIN WITH (FORMAT csv)", buffer)
    else:
        sql.execute(f"CREATE TEMP TABLE {SCORES} (customer_id INTEGER PRIMARY KEY, p_alive REAL, expected REAL)")
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {SCORES} VALUES (%s, %s, %s)",
                list(zip(ids.tolist(), alive.tolist(), expected.tolist(), strict=True)),
            )
    sql.execute(
        f"UPDATE {STAGE} SET p_alive = m.p_alive, expected_purchases_90d = m.expected "
        f"FROM {SCORES} m WHERE m.customer_id = {STAGE}.customer_id"
    )
