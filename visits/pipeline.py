"""Tasks made in bulk: the nightly scan's visits step and the campaign sequences' phone/visit steps.

Both are set-based: one INSERT … SELECT per kind of task, and the partial unique constraint
`visit_task_one_open_per_purpose` (never two open tasks for the same customer and purpose) turns every repeat into
ON CONFLICT DO NOTHING, so re-running the scan or a campaign step creates nothing new.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import datetime

from django.utils import timezone

from crm import sql
from crm.choices import DormancyStatus
from crm.dormancy.models import CustomerDormancy, StatusChange
from customers.models import Customer

from .models import Purpose, VisitSettings, VisitTask

COLUMNS = ("customer_id, assigned_to_id, kind, purpose, due_on, state, skip_reason, source, priority, reason, note, "
           "step_execution_id, created_at")
OPEN = VisitTask.State.OPEN.value
REACTIVATION = Purpose.REACTIVATION.value
# campaigns.StepExecution's states (the same layer: named, not imported).
EXECUTION_DUE = "due"
EXECUTION_HANDED_OVER = "handed_over"


def _insert(select_sql, params):
    """INSERT the selected rows (in COLUMNS' order); rows that would make a second open task are skipped."""
    return sql.execute(
        f"INSERT INTO {sql.table(VisitTask)} ({COLUMNS}) {select_sql} ON CONFLICT DO NOTHING", params
    )


def _targetable(alias="c"):
    """A customer a rep can be sent to: has a rep, not merged away, not retired."""
    return (f"{alias}.assigned_rep_id IS NOT NULL AND {alias}.merged_into_id IS NULL "
            f"AND {alias}.lifecycle <> '{Customer.Lifecycle.RETIRED.value}'")


def create_key_account_tasks(*, run_id, as_of, settings_row, now):
    """A visit for every key account that became dormant or at risk in this scan run."""
    due = as_of + datetime.timedelta(days=settings_row.key_account_due_days)
    d = sql.date_param()
    return _insert(
        f"SELECT DISTINCT c.id, c.assigned_rep_id, %s, %s, {d}, %s, '', %s, cd.priority_score, "
        f"COALESCE(cd.reason, ''), '', CAST(NULL AS bigint), %s "
        f"FROM {sql.table(StatusChange)} sc "
        f"JOIN {sql.table(Customer)} c ON c.id = sc.customer_id "
        f"JOIN {sql.table(CustomerDormancy)} cd ON cd.customer_id = c.id "
        f"WHERE sc.scan_run_id = %s AND sc.to_status IN (%s, %s) AND c.is_key_account "
        f"AND cd.status IN (%s, %s) AND NOT cd.is_excluded AND {_targetable()}",
        [VisitTask.Kind.VISIT.value, REACTIVATION, due, OPEN, VisitTask.Source.NIGHTLY.value, now, run_id,
         DormancyStatus.DORMANT.value, DormancyStatus.AT_RISK.value, DormancyStatus.DORMANT.value,
         DormancyStatus.AT_RISK.value],
    )


TOP_N = "visits_top_dormant"


def create_top_dormant_tasks(*, as_of, settings_row, now):
    """A call for each rep's N highest-priority dormant customers (key accounts get a visit), skipping customers
    whose reactivation task was closed within the cool-down (the rep just spoke to them).

    Two statements: the ranking into a temp table, then the insert from it. PostgreSQL runs the SELECT of an
    INSERT … SELECT without parallel workers, while CREATE TABLE AS may use them: on a million customers the ranking
    (a sort of every dormant customer) is about twice as fast this way.
    """
    if settings_row.top_dormant_per_rep <= 0:
        return 0
    due = as_of + datetime.timedelta(days=settings_row.due_days)
    cooled_since = now - datetime.timedelta(days=settings_row.cooldown_days)
    # A step may run twice in one transaction (a rerun in tests), and SQLite keeps a temp table for the connection.
    sql.execute(f"DROP TABLE IF EXISTS {TOP_N}")
    sql.execute(sql.temp_table(TOP_N, (
        f"SELECT * FROM ("
        f" SELECT cd.customer_id, c.assigned_rep_id, c.is_key_account, cd.priority_score, COALESCE(cd.reason, '') "
        f" AS reason, ROW_NUMBER() OVER (PARTITION BY c.assigned_rep_id "
        f" ORDER BY (CASE WHEN cd.priority_score IS NULL THEN 1 ELSE 0 END), cd.priority_score DESC, cd.customer_id) "
        f" AS rank_in_rep "
        f" FROM {sql.table(CustomerDormancy)} cd JOIN {sql.table(Customer)} c ON c.id = cd.customer_id "
        f" WHERE cd.status = %s AND NOT cd.is_excluded AND {_targetable()} "
        f" AND NOT EXISTS (SELECT 1 FROM {sql.table(VisitTask)} t WHERE t.customer_id = cd.customer_id "
        f"  AND t.purpose = %s AND t.state <> %s AND t.closed_at >= %s)"
        f") r WHERE r.rank_in_rep <= %s"
    )), [DormancyStatus.DORMANT.value, REACTIVATION, OPEN, cooled_since, settings_row.top_dormant_per_rep])
    d = sql.date_param()
    made = _insert(
        f"SELECT r.customer_id, r.assigned_rep_id, CASE WHEN r.is_key_account THEN %s ELSE %s END, %s, {d}, %s, "
        f"'', %s, r.priority_score, r.reason, '', CAST(NULL AS bigint), %s FROM {TOP_N} r WHERE true",
        [VisitTask.Kind.VISIT.value, VisitTask.Kind.PHONE.value, REACTIVATION, due, OPEN,
         VisitTask.Source.NIGHTLY.value, now],
    )
    sql.execute(f"DROP TABLE {TOP_N}")
    return made


def nightly_visit_tasks(ctx):
    """The scan's step (registered in VisitsConfig.ready): runs inside the scan's transaction and lock, after the
    new state is written, so it reads this run's verdicts and changes."""
    settings_row = VisitSettings.current()
    now = timezone.now()
    ctx.counts["visit_tasks"] = {
        "key_accounts": create_key_account_tasks(run_id=ctx.run.pk, as_of=ctx.as_of, settings_row=settings_row,
                                                 now=now),
        "top_dormant": create_top_dormant_tasks(as_of=ctx.as_of, settings_row=settings_row, now=now),
    }


def campaign_step_tasks(*, step, executions, now):
    """Handler of a campaign sequence's phone or visit step (campaigns.channels): a task per due execution, assigned
    to the customer's rep, in one statement; the executions taken move to handed_over in the same transaction.
    Returns how many it took. A customer who already has an open reactivation task keeps that one (the call is
    already on the rep's list); a rerun finds no due execution left and does nothing."""
    kind = VisitTask.Kind.VISIT.value if step.channel == "visit" else VisitTask.Kind.PHONE.value
    # The step's instructions, else the campaign's name: what the rep reads on his today page.
    note = (step.body or step.campaign.name)[:2000]
    due = timezone.localdate(now) + datetime.timedelta(days=VisitSettings.current().due_days)
    due_executions = executions.filter(state=EXECUTION_DUE)
    chosen, chosen_params = due_executions.order_by().values_list("id", "customer_id").query.sql_with_params()
    d = sql.date_param()
    _insert(
        f"SELECT c.id, c.assigned_rep_id, %s, %s, {d}, %s, '', %s, cd.priority_score, COALESCE(cd.reason, ''), %s, "
        f"e.id, %s FROM ({chosen}) e JOIN {sql.table(Customer)} c ON c.id = e.customer_id "
        f"LEFT JOIN {sql.table(CustomerDormancy)} cd ON cd.customer_id = c.id WHERE c.merged_into_id IS NULL",
        [kind, REACTIVATION, due, OPEN, VisitTask.Source.CAMPAIGN.value, note, now, *chosen_params],
    )
    return due_executions.update(state=EXECUTION_HANDED_OVER, handed_over_at=now)
