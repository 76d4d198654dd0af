"""The nightly dormancy scan: one service, an explicit ordered list of steps, run under a lock in one transaction.

    scan_dormancy(as_of=…, triggered_by=…, full=None) -> ScanRun

STEPS run in order on a ScanContext, each a few set-based statements:
0. prepare_rules — any missing default rule put back (services.default_rules_restore), then the rules read once;
1. refresh_figures — the summaries' 12-month windows moved to as_of (normally from the last scan's date, reading
   only the purchases that crossed a window boundary; weekly or with full=True one pass over 730 days of
   purchases), stale summaries repaired, a past as_of handled (crm.dormancy.figures);
2. fit_and_score_model — BG/NBD fit on the distinct (x, t_x, T) of all buyers, scores COPied to a temp table;
3. choose_ranking — the priority in force: the brief's rule, or the model learned from the company's history where
   its weekly back-test beats the rule (crm.dormancy.ranking; the back-test and fit run at most once a week);
4. classify — ONE statement builds the staging table: status, rule, reason, scores, priority, since-dates;
5. record_changes — one INSERT … SELECT of the status changes; the current state rewritten whole for a new date
   (every day count and score moves), or for the same date only the rows that differ.
Later features extend the scan by adding steps (`register_step`): e.g. queue outreach for customers who became
dormant in this run (StatusChange rows with scan_run=ctx.run).

Guarantees: all steps share one transaction, so a crash leaves the previous consistent state; a second run while
one is going is refused and recorded (PostgreSQL advisory lock, a cache lock elsewhere — SQLite serialises writers
anyway); summary writers wait for a running scan (figures.lock_summaries); running again for the same as_of
changes nothing (every write compares before it writes).
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import logging
import time
import traceback
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from crm import sql

from . import figures, ranking, rules, scoring, services, stage
from .models import CustomerDormancy, DormancyStatus, ScanRun, StatusChange

logger = logging.getLogger(__name__)

LOCK_KEY = 0x6D657A616D65  # "mezame": the advisory-lock id of the scan
CACHE_LOCK = "dormancy-scan-lock"
CACHE_LOCK_SECONDS = 6 * 3600
SCAN_WORK_MEM = "256MB"
STAGE = stage.STAGE
STATE_COLUMNS = [*stage.STATE_COLUMNS, "as_of"]


@dataclass
class ScanContext:
    as_of: object
    run: ScanRun
    rules: list = field(default_factory=list)  # read by prepare_rules, the first step
    full: bool = False  # figures from a full pass over the purchases (verification), not the summaries
    counts: dict = field(default_factory=dict)
    step_seconds: dict = field(default_factory=dict)
    # The relation holding every customer's purchase figures at as_of (set by refresh_figures).
    figures: str = ""
    # The ranking in force (set by choose_ranking): its RankingEvaluation, and the learned model or None (the rule).
    ranking: object = None
    return_model: object = None


# ---------------------------------------------------------------- steps


def prepare_rules(ctx):
    """Put back a default rule that went missing (a flushed table would make everyone active), then read the rules
    once for the whole scan."""
    restored = services.default_rules_restore()
    if restored:
        ctx.counts["rules_restored"] = [r.code for r in restored]
    ctx.rules = rules.load_rules()


def refresh_figures(ctx):
    """Bring the summaries' 12-month windows to as_of (and repair stale summaries): see crm.dormancy.figures."""
    ctx.figures, ctx.counts["figures"] = figures.refresh_figures(as_of=ctx.as_of, full=ctx.full)


def fit_and_score_model(ctx):
    """Fit BG/NBD on every buyer (weeks), store the fit, and score each distinct (x, t_x, T): see scoring."""
    ctx.counts["model"] = scoring.fit_and_score(figures=ctx.figures, as_of=ctx.as_of)


def choose_ranking(ctx):
    """The priority in force — the brief's rule or the model learned from this company's history — back-tested
    weekly on that history (evaluated at most once a week, in this transaction): see ranking."""
    ctx.ranking, ctx.return_model, ctx.counts["ranking"] = ranking.ranking_for_scan(as_of=ctx.as_of, rule_set=ctx.rules)


def classify(ctx):
    """Status, rule, reason, model scores, priority, exclusion and since-dates of every customer: one statement."""
    stage.create_stage(ctx, figures=ctx.figures)
    rows = sql.fetch_all(f"SELECT status, is_excluded, COUNT(*) FROM {STAGE} GROUP BY status, is_excluded")
    statuses, excluded = {}, {}
    for status, is_excluded, n in rows:
        statuses[status] = statuses.get(status, 0) + n
        if is_excluded:
            excluded[status] = n
    ctx.counts["statuses"] = dict(sorted(statuses.items()))
    # The dormant list's exact counts per status filter come from these two (selectors.dormant_counts).
    ctx.counts["excluded"] = dict(sorted(excluded.items()))
    ctx.counts["customers"] = sum(ctx.counts["statuses"].values())


def record_changes(ctx):
    """Record every status change, then write the new state: for a new date the whole table afresh, for the same
    date again only the rows that differ."""
    current = sql.table(CustomerDormancy)
    d = sql.date_param()
    changed = "WHERE (s.previous_status IS NULL AND s.status <> %s) OR s.previous_status <> s.status"
    prospect = [DormancyStatus.PROSPECT.value]
    rows = sql.fetch_all(
        f"SELECT COALESCE(s.previous_status, ''), s.status, COUNT(*) FROM {STAGE} s {changed} GROUP BY 1, 2", prospect
    )
    ctx.counts["changes"] = {f"{old or '-'}→{new}": n for old, new, n in sorted(rows)}
    if rows:
        insert = (
            f"INSERT INTO {sql.table(StatusChange)} (customer_id, from_status, to_status, rule, reason, "
            "days_since_last_purchase, last_purchase_on, purchase_days, total_amount, amount_last_12m, amount_prev_12m, "
            "as_of, scan_run_id) "
            f"SELECT s.customer_id, COALESCE(s.previous_status, ''), s.status, s.rule, s.reason, "
            f"s.days_since_last_purchase, s.last_purchase_on, s.purchase_days, s.total_amount, s.amount_last_12m, "
            f"s.amount_prev_12m, {d}, %s FROM {STAGE} s {changed} ORDER BY s.customer_id"
        )
        params = [ctx.as_of, ctx.run.pk, *prospect]
        if sql.is_postgres() and not StatusChange.objects.exists():
            _bulk_insert(StatusChange, insert, params)  # a fresh engine's first scan: an event per customer
        else:
            sql.execute(insert, params)
    values = {c: f"s.{c}" for c in stage.STATE_COLUMNS}
    values["as_of"] = d
    current_dates = {str(day) for (day,) in sql.fetch_all(f"SELECT DISTINCT as_of FROM {current}")}
    if current_dates == {ctx.as_of.isoformat()}:
        # Same date again (a rerun, or after a correction): write only the rows that differ.
        ctx.counts["rows_written"] = _write_differences(ctx, current, values)
    else:
        # A new date moves every buyer's day count and scores: the table is rewritten whole.
        ctx.counts["rows_written"] = _rewrite(ctx, current, values)


def _rewrite(ctx, current, values):
    staged, new = sql.fetch_all(
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN previous_status IS NULL THEN 1 ELSE 0 END), 0) FROM {STAGE}"
    )[0]
    gone = sql.fetch_all(f"SELECT COUNT(*) FROM {current}")[0][0] - (staged - new)
    columns = ", ".join(STATE_COLUMNS)
    insert = (
        f"INSERT INTO {current} (customer_id, {columns}) "
        f"SELECT s.customer_id, {', '.join(values[c] for c in STATE_COLUMNS)} FROM {STAGE} s ORDER BY s.customer_id"
    )
    if not sql.is_postgres():
        sql.execute(f"DELETE FROM {current}")
        sql.execute(insert, [ctx.as_of])
    else:
        # TRUNCATE rather than a million updates: no dead rows, and the indexes are rebuilt (_bulk_insert).
        # Readers of the table wait until the scan commits.
        sql.execute(f"TRUNCATE {current}")
        _bulk_insert(CustomerDormancy, insert, [ctx.as_of])
    return {"updated": staged - new, "inserted": new, "deleted": gone}


def _bulk_insert(model, insert_sql, params):
    """INSERT … SELECT of many rows into an empty table (PostgreSQL): the model's secondary indexes are dropped
    and built again afterwards, one sort each instead of one entry per row (about three times cheaper)."""
    with connection.schema_editor(atomic=False) as editor:
        for index in model._meta.indexes:
            editor.remove_index(model, index)
        sql.execute(insert_sql, params)
        for index in model._meta.indexes:
            editor.add_index(model, index)


def _write_differences(ctx, current, values):
    differs = " OR ".join(sql.is_distinct(f"{current}.{c}", values[c]) for c in STATE_COLUMNS)
    updated = sql.execute(
        f"UPDATE {current} SET {', '.join(f'{c} = {values[c]}' for c in STATE_COLUMNS)} FROM {STAGE} s "
        f"WHERE s.customer_id = {current}.customer_id AND s.previous_status IS NOT NULL AND ({differs})",
        [ctx.as_of, ctx.as_of],
    )
    inserted = sql.execute(
        f"INSERT INTO {current} (customer_id, {', '.join(STATE_COLUMNS)}) "
        f"SELECT s.customer_id, {', '.join(values[c] for c in STATE_COLUMNS)} FROM {STAGE} s "
        "WHERE s.previous_status IS NULL",
        [ctx.as_of],
    )
    # Merged, retired or deleted customers leave the engine's lists (their history stays).
    deleted = sql.execute(
        f"DELETE FROM {current} WHERE NOT EXISTS "
        f"(SELECT 1 FROM {STAGE} s WHERE s.customer_id = {current}.customer_id)"
    )
    return {"updated": updated, "inserted": inserted, "deleted": deleted}


STEPS = [prepare_rules, refresh_figures, fit_and_score_model, choose_ranking, classify, record_changes]


def register_step(step, *, after=None):
    """Add a step to the scan, after the named step (default: at the end). Later features call this."""
    if step in STEPS:
        return
    if after is None:
        STEPS.append(step)
    else:
        STEPS.insert([s.__name__ for s in STEPS].index(after) + 1, step)


# ---------------------------------------------------------------- the service


def scan_dormancy(*, as_of=None, triggered_by="", full=None):
    """Run every step for `as_of` (default: today in Tokyo) and return the recorded ScanRun. `full`: rebuild the
    figures from the purchases rather than trust the summaries (default: when the last full pass is
    settings.MEZAME_DORMANCY_FULL_PASS_DAYS old, so purchases written around the summary's maintenance are found
    within a week)."""
    as_of = as_of or timezone.localdate()
    run = ScanRun.objects.create(as_of=as_of, triggered_by=triggered_by[:100])
    if not _acquire_lock():
        run.outcome = ScanRun.Outcome.REFUSED
        run.error = "another scan was running"
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "error", "finished_at"])
        logger.warning("dormancy scan for %s refused: another scan is running", as_of)
        return run
    if full is None:
        full = _full_pass_due(as_of)
    ctx = ScanContext(as_of=as_of, run=run, full=full)
    try:
        with transaction.atomic():
            if sql.is_postgres():
                # A nightly batch sorts and hashes millions of rows: give this transaction room (SET LOCAL ends with it).
                sql.execute("SELECT set_config('work_mem', %s, true)", [SCAN_WORK_MEM])
                # Each statement runs once over the whole table: compiling it (JIT) costs more than it saves.
                sql.execute("SELECT set_config('jit', 'off', true)")
                # Every join here is over whole tables: hash joins; a misestimate must not pick sort-and-merge.
                sql.execute("SELECT set_config('enable_mergejoin', 'off', true)")
            figures.lock_summaries()
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


def _full_pass_due(as_of):
    """MEZAME_DORMANCY_FULL_PASS_DAYS after the last full pass (or, if there was none, after the first scan)."""
    every = settings.MEZAME_DORMANCY_FULL_PASS_DAYS
    if every <= 0:
        return False
    succeeded = ScanRun.objects.filter(outcome=ScanRun.Outcome.SUCCEEDED)
    last_full = succeeded.filter(counts__figures__mode="full").order_by("-started_at", "-pk").first()
    reference = last_full or succeeded.order_by("started_at", "pk").first()
    return reference is not None and (as_of - reference.as_of).days >= every


def _acquire_lock():
    if sql.is_postgres():
        return bool(sql.fetch_all("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])[0][0])
    return cache.add(CACHE_LOCK, timezone.now().isoformat(), timeout=CACHE_LOCK_SECONDS)


def _release_lock():
    if sql.is_postgres():
        sql.fetch_all("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    else:
        cache.delete(CACHE_LOCK)
