"""The one way an import batch (customers or purchases) changes state.

    uploaded ──> validated ──> confirmed ──> running ──> done
       │             │             │            │
       └─────────────┴──> cancelled│            │
       └─────────────┴─────────────┴────────────┴──> failed

Each move is a conditional UPDATE from the state the caller expects: the database decides who moved the batch,
so a double click, a second tab or a redelivered Celery task finds the batch already moved and does nothing.
Moves outside ImportBatch.TRANSITIONS are programming errors and raise.

The tasks that check and import a batch also hold a runner lock for the batch (a PostgreSQL advisory lock, which
dies with its connection; a cache lock on SQLite), so a task redelivered while another still works on the batch
stops at once, and one redelivered after its worker died can tell that nobody is working on it any more.
Here too: queueing a task after commit, and the progress the screens poll.
"""
import logging
from contextlib import contextmanager

from celery.exceptions import Retry
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from customers.models import ImportBatch

logger = logging.getLogger(__name__)
State = ImportBatch.State

# Worth another try later: the database or the broker was unreachable. Never a problem of the file.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError, RedisConnectionError, ConnectionError)
BROKER_ERRORS = (BrokerError, RedisConnectionError, ConnectionError)
RUNNER_LOCK_NAMESPACE = 0x4D5A_0000_0000  # "MZ" in the high bits; the batch id in the low 32
RUNNER_LOCK_SECONDS = 6 * 3600  # cache lock (SQLite): outlives any import, freed if its process dies
PROGRESS_SECONDS = 3600


class ImportStateError(ValueError):
    """A move the state machine does not allow (e.g. done -> running)."""


def allowed_sources(target):
    """The states from which a batch may move to target."""
    return {source for source, targets in ImportBatch.TRANSITIONS.items() if target in targets}


def import_batch_transition(batch, *, to, expected=None, **fields):
    """Move the batch to `to` if it is still in `expected` (a state or a collection of states; by default every
    state from which `to` is allowed), writing `fields` in the same UPDATE. Returns whether it moved; on success
    the in-memory batch gets the new values too. Entering a final state stamps finished_at."""
    sources = allowed_sources(to)
    if expected is None:
        expected = sources
    elif isinstance(expected, str):
        expected = {expected}
    refused = set(expected) - sources
    if refused or not expected:
        raise ImportStateError(f"import batch: no move from {sorted(refused) or 'nowhere'} to {to}")
    if to in ImportBatch.FINAL_STATES:
        fields.setdefault("finished_at", timezone.now())
    moved = ImportBatch.objects.filter(pk=batch.pk, state__in=expected).update(state=to, **fields)
    if moved:
        batch.state = to
        for name, value in fields.items():
            setattr(batch, name, value)
    else:
        logger.info("import batch %s: not moved to %s (not in %s any more)", batch.pk, to, sorted(expected))
    return bool(moved)


def import_batch_fail(batch, *, message, expected=None):
    """Record that the batch failed and why (a sentence for the user). Returns whether it was moved: a batch
    that already reached a final state keeps it."""
    return import_batch_transition(batch, to=State.FAILED, expected=expected, message=str(message)[:2000])


def is_transient(error):
    """Whether the error is worth another try later (the database or the broker was unreachable or busy)."""
    if isinstance(error, (OperationalError, InterfaceError)) and connection.vendor == "sqlite":
        return "locked" in str(error)  # SQLite reports mistakes in SQL as OperationalError too
    return isinstance(error, TRANSIENT_ERRORS)


def import_batch_failed_in_task(batch_id, error):
    """A task gave up on the batch (its retries for an unreachable service ran out, or an unexpected error):
    make sure the batch says so instead of waiting forever. A batch already failed keeps its first reason."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.state in ImportBatch.FINAL_STATES:
        return False
    message = _("The import stopped on an error and nothing was written: %(error)s") % {"error": error}
    return import_batch_fail(batch, message=message)


@contextmanager
def import_batch_runner_lock(batch_id):
    """Yields whether this process may work on the batch (check or import it); held until the block ends."""
    if connection.vendor == "postgresql":
        key = RUNNER_LOCK_NAMESPACE + batch_id
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            acquired = cursor.fetchone()[0]
    else:
        key = f"mezame:import-batch-runner:{batch_id}"
        acquired = cache.add(key, timezone.now().isoformat(), timeout=RUNNER_LOCK_SECONDS)
    if not acquired:
        logger.info("import batch %s: another task is working on it; this one stops", batch_id)
    try:
        yield acquired
    finally:
        if acquired:
            _release_runner_lock(key)


def _release_runner_lock(key):
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        else:
            cache.delete(key)
    except (DatabaseError, *BROKER_ERRORS):
        # The lock goes with the lost connection anyway (PostgreSQL) or expires (cache).
        logger.warning("import batch lock %s: not released", key, exc_info=True)


def import_batch_start_run(batch):
    """For the task importing a batch, holding its runner lock: whether to import it now.

    confirmed → running. A batch found running was left by a task whose worker stopped (it held the lock, which
    is free now) or that is being retried after an unreachable database: the import is taken over (nothing of
    the customer import was written, it is one transaction; the purchase import adds nothing twice). In any
    other state the task is a redelivery or a repeat: nothing to do."""
    if import_batch_transition(batch, to=State.RUNNING, expected=State.CONFIRMED):
        return True
    batch.refresh_from_db(fields=["state"])
    if batch.state == State.RUNNING:
        logger.warning("import batch %s: taking over an import left running", batch.pk)
        return True
    logger.info("import batch %s is %s: nothing to import (a repeated or redelivered task)", batch.pk, batch.state)
    return False


def import_batch_enqueue(batch, task):
    """Queue task(batch id) once the current transaction has committed (a worker must see the batch). When the
    broker cannot be reached the batch fails with the reason, rather than waiting for a task that never comes."""

    def send():
        try:
            if task.app.conf.task_always_eager:
                _apply_in_process(task, batch.pk)
            else:
                task.delay(batch.pk)
        except BROKER_ERRORS as error:
            logger.exception("import batch %s: could not queue %s", batch.pk, task.name)
            import_batch_fail(batch, message=_(
                "The import could not be handed to the background worker (%(error)s); nothing was written. "
                "Please try again later.") % {"error": error})

    transaction.on_commit(send, robust=True)


def _apply_in_process(task, batch_id):
    """Without Redis the task runs here, as a worker would: tried again on transient errors (without the pauses),
    its last error logged and recorded on the batch, never raised into the web request that queued it. (Celery's
    eager mode raises Retry instead of retrying, and skips on_failure when it raises.)"""
    for attempt in range(task.max_retries + 1):
        try:
            task.apply(args=[batch_id], retries=attempt, throw=True)
            return
        except Retry:
            continue
        except Exception as error:
            logger.exception("import batch %s: %s failed", batch_id, task.name)
            import_batch_failed_in_task(batch_id, error)
            return


def _progress_key(batch_id):
    return f"mezame:import-batch-progress:{batch_id}"


def import_batch_progress_report(batch_id, percent):
    """The progress of a task on the batch, in percent. Kept in the cache (shared with the web processes
    through Redis), which the screens can read while the task's transaction is still open, and on the row
    when no transaction is."""
    percent = max(0, min(100, int(percent)))
    try:
        cache.set(_progress_key(batch_id), percent, timeout=PROGRESS_SECONDS)
    except BROKER_ERRORS:
        logger.warning("import batch %s: progress not cached", batch_id, exc_info=True)
    if not connection.in_atomic_block:
        ImportBatch.objects.filter(pk=batch_id).update(progress=percent)


def import_batch_progress(batch):
    """Percent done of the task working on the batch (0 when none has reported yet)."""
    if not batch.is_busy:
        return batch.progress
    try:
        cached = cache.get(_progress_key(batch.pk))
    except BROKER_ERRORS:
        cached = None
    return max(batch.progress, cached or 0)
