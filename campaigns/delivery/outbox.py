"""The e-mail outbox: queue a step's messages, then send them exactly once.

Queueing (the "email" channel handler) is one INSERT … SELECT of the step's due executions; the unique
(step, customer, round) makes a rerun queue nothing twice (a playbook's later round of the same customer is a new
message, with the execution's round).

Sending, in batches over one SMTP connection (through Django's e-mail backend, so an ESP via django-anymail works
by configuration):
1. claim: one conditional UPDATE moves up to `batch` rows from queued (or from a 'sending' whose lease ran out:
   its worker died) to sending, with a fresh claim token; only rows that UPDATE took are sent by this worker.
2. check at send time: consent, retirement, a merge, a missing address, the suppression list; those rows become
   suppressed and are not sent.
3. send each message, then mark it sent at once (its own UPDATE, committed on its own, guarded by the token).

The trade-off: the only moment a second copy is possible is a worker killed after the SMTP server accepted a
message and before its 'sent' UPDATE committed (milliseconds). We choose at-least-once for that moment: when the
lease runs out the row is sent again, with the same Message-ID (OutboxMessage.message_id), which receiving
systems and ESPs use to drop the copy. Anything else, a kill between two messages or during one (the SMTP
transaction never finished, nothing was delivered), ends with each message delivered exactly once after the
rerun; at-most-once would instead lose that message for good, which a campaign notices less than a copy but
the customer never gets. See docs/delivery.md.
"""
import logging
import secrets
import smtplib
import time
from datetime import timedelta

from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from crm import sql
from customers.models import Customer

from ..models import CampaignContact, CampaignStep, EmailSuppression, OutboxMessage, StepExecution
from . import conf, mail, merge

logger = logging.getLogger(__name__)
State = OutboxMessage.State
SKIP_REASON = "email_not_allowed"  # StepExecution.skip_reason of a message suppressed at send time
FAILED_SKIP_REASON = "email_failed"  # … of a message the server refused for good


class TransientSendError(Exception):
    """The server or the network failed for now: the unsent rows went back to the queue; retry later."""


# --- queueing (the "email" channel handler) ------------------------------------------------------------------

def email_channel_handler(*, step, executions, now):
    """Queue one outbox row per due execution and hand the executions over (set-based; a rerun adds nothing)."""
    due = executions.filter(state=StepExecution.State.DUE)
    rows = due.order_by().values_list("step_id", "campaign_id", "customer_id", "pk", "round")
    select_sql, params = rows.query.sql_with_params()
    empty_json = "CAST('[]' AS jsonb)" if sql.is_postgres() else "'[]'"
    taken = sql.execute(
        f"INSERT INTO {sql.table(OutboxMessage)} (step_id, campaign_id, customer_id, execution_id, round, "  # noqa: S608
        f"state, to_email, links, attempts, claim_token, last_error, created_at) "
        f"SELECT s.*, %s, '', {empty_json}, 0, '', '', %s FROM ({select_sql}) s WHERE 1 = 1 "
        f"ON CONFLICT (step_id, customer_id, round) DO NOTHING",
        (State.QUEUED, now, *params))
    handed = due.update(state=StepExecution.State.HANDED_OVER, handed_over_at=now)
    if taken:
        from . import tasks

        transaction.on_commit(lambda: tasks.outbox_send.delay())
    return handed


# --- the send-time check -------------------------------------------------------------------------------------

def sendable_q(prefix="customer__"):
    """Who may be mailed right now: consent, not retired, not merged away, an address, not suppressed."""
    suppressed = EmailSuppression.objects.filter(email_key=OuterRef(f"{prefix}email_key"))
    return (Q(**{f"{prefix}has_email_consent": True}) & ~Q(**{f"{prefix}lifecycle": Customer.Lifecycle.RETIRED})
            & Q(**{f"{prefix}merged_into__isnull": True}) & ~Q(**{f"{prefix}email": ""}) & ~Exists(suppressed))


# --- claiming ------------------------------------------------------------------------------------------------

def _claimable(now):
    stale = now - timedelta(seconds=conf.lease_seconds())
    return Q(state=State.QUEUED) | Q(state=State.SENDING, claimed_at__lt=stale)


def outbox_claim(*, limit, now, step_id=None):
    """Take up to `limit` rows for this worker; returns the claim token (rows: state sending, this token)."""
    token = secrets.token_hex(16)
    with transaction.atomic():
        candidates = OutboxMessage.objects.filter(_claimable(now))
        if step_id is not None:
            candidates = candidates.filter(step_id=step_id)
        # SKIP LOCKED: two workers claiming at once take different rows instead of waiting for each other.
        locking = candidates.select_for_update(skip_locked=True) if sql.is_postgres() else candidates
        ids = list(locking.order_by("pk").values_list("pk", flat=True)[:limit])
        # The condition again in the UPDATE: on SQLite (no row locks) it is what keeps a row to one claim.
        OutboxMessage.objects.filter(_claimable(now), pk__in=ids).update(
            state=State.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1)
    return token


def _release(token, *, exclude=(), error=""):
    """Unsent rows of a claim go back to the queue (their attempt not counted), for the retry."""
    OutboxMessage.objects.filter(claim_token=token, state=State.SENDING).exclude(pk__in=exclude).update(
        state=State.QUEUED, claim_token="", attempts=F("attempts") - 1, last_error=error[:300])


def _suppress_not_sendable(token, now):
    """Rows whose customer may no longer be mailed: suppressed, and their executions skipped."""
    blocked = OutboxMessage.objects.filter(claim_token=token, state=State.SENDING).exclude(sendable_q())
    execution_ids = list(blocked.exclude(execution_id=None).values_list("execution_id", flat=True))
    count = blocked.update(state=State.SUPPRESSED, last_error="no consent or suppressed at send time")
    StepExecution.objects.filter(pk__in=execution_ids, state=StepExecution.State.HANDED_OVER).update(
        state=StepExecution.State.SKIPPED, skip_reason=SKIP_REASON)
    return count


def _skip_failed_executions():
    """A message that failed for good reached nobody: its execution is skipped, so that it no longer holds a place
    under the frequency cap (campaigns.segments counts handed-over executions as contacts to come)."""
    failed = OutboxMessage.objects.filter(execution_id=OuterRef("pk"), state=State.FAILED)
    StepExecution.objects.filter(Exists(failed), state=StepExecution.State.HANDED_OVER).update(
        state=StepExecution.State.SKIPPED, skip_reason=FAILED_SKIP_REASON)


# --- sending -------------------------------------------------------------------------------------------------

def _is_transient(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError | smtplib.SMTPException)  # disconnects, timeouts, refused connections


class _Pacer:
    """At most `rate` messages per second (0: no limit)."""

    def __init__(self, rate):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self):
        if not self.interval:
            return
        now = time.monotonic()
        if now < self.next_at:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval


def _render_claim(token):
    """[(row, Rendered)] for the sending rows of a claim, merge fields fetched per step and round in one go (a
    coupon or feedback link belongs to the round of the customer's enrolment)."""
    rows = list(OutboxMessage.objects.filter(claim_token=token, state=State.SENDING)
                .select_related("customer").order_by("pk"))
    by_step = {}
    for row in rows:
        by_step.setdefault((row.step_id, row.round), []).append(row)
    rendered = []
    for (step_id, round_), step_rows in by_step.items():
        step = CampaignStep.objects.select_related("campaign").get(pk=step_id)
        renderer = mail.Renderer(step)
        values = merge.fields_for(step, [row.customer_id for row in step_rows], round=round_)
        for row in step_rows:
            row.to_email = row.customer.email
            row.rendered = renderer.render(row.pk, values.get(row.customer_id, {}))
            row.links = row.rendered.links
            rendered.append(row)
    # The links are stored before anything is sent: a click may come in seconds after delivery.
    OutboxMessage.objects.bulk_update(rendered, ["to_email", "links"], batch_size=500)
    return rendered


def _mark_sent(pk, token):
    """Its own statement, committed at once (no transaction is open around the send loop): a worker killed after
    this never sends the row again."""
    # One plain statement: this runs once per message, and the ORM's query building costs more than the UPDATE.
    sql.execute(f"UPDATE {sql.table(OutboxMessage)} SET state = %s, sent_at = %s, last_error = '' "  # noqa: S608
                f"WHERE id = %s AND claim_token = %s AND state = %s",
                (State.SENT, timezone.now(), pk, token, State.SENDING))


class _NoFlushWait:
    """For the send loop, commits do not wait for the disk (synchronous_commit off, this connection only): as safe
    against a dying worker, and only a crash of the database server itself within a fraction of a second could
    forget a 'sent' mark, so that one message would go out again with the same Message-ID. Saves a disk flush
    per message."""

    def __enter__(self):
        self.active = sql.is_postgres() and not db_connection.in_atomic_block
        if self.active:
            with db_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")

    def __exit__(self, *exc_info):
        if self.active:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def outbox_send_batch(*, now=None, limit=None, step_id=None, connection=None):
    """Claim and send one batch; returns {"sent", "failed", "suppressed", "claimed"}. Raises TransientSendError
    (after putting the unsent rows back) when the server is unavailable, for the task to retry with backoff."""
    now = now or timezone.now()
    token = outbox_claim(limit=limit or conf.batch_size(), now=now, step_id=step_id)
    counts = {"claimed": OutboxMessage.objects.filter(claim_token=token).count(), "sent": 0, "failed": 0}
    counts["suppressed"] = _suppress_not_sendable(token, now)
    rows = _render_claim(token)
    if not rows:
        return counts
    connection = connection or get_connection(fail_silently=False)
    pacer = _Pacer(conf.rate_per_second())
    sent_ids = []
    with _NoFlushWait():
        try:
            connection.open()
            for row in rows:
                pacer.wait()
                message = mail.email_message(row.rendered, to=row.to_email, message_id=row.message_id,
                                             connection=connection)
                try:
                    connection.send_messages([message])
                except Exception as exc:
                    if _is_transient(exc):
                        _release(token, exclude=sent_ids, error=str(exc))
                        raise TransientSendError(str(exc)) from exc
                    OutboxMessage.objects.filter(pk=row.pk, claim_token=token, state=State.SENDING).update(
                        state=State.FAILED, last_error=str(exc)[:300])
                    counts["failed"] += 1
                    continue
                _mark_sent(row.pk, token)
                sent_ids.append(row.pk)
        finally:
            try:
                connection.close()
            except Exception:  # a dead connection cannot be closed politely; nothing is lost
                logger.debug("closing the SMTP connection failed", exc_info=True)
            # A row that went back to the queue too often stops there.
            OutboxMessage.objects.filter(state=State.QUEUED, attempts__gte=conf.max_attempts()).update(
                state=State.FAILED)
            _skip_failed_executions()
            record_sent_contacts(step_ids={row.step_id for row in rows})
    counts["sent"] = len(sent_ids)
    return counts


def record_sent_contacts(*, step_ids=None):
    """Record the contact of every sent message not yet recorded (a Touchpoint and CampaignContact per customer,
    through campaigns.services.step_contacts_record, which records each once). Runs after each batch, so a
    worker killed between sending and recording is caught up by the next batch."""
    from campaigns.services import step_contacts_record

    pending = OutboxMessage.objects.filter(state=State.SENT).filter(
        ~Exists(CampaignContact.objects.filter(step_id=OuterRef("step_id"), customer_id=OuterRef("customer_id"),
                                               round=OuterRef("round"))))
    if step_ids is not None:
        pending = pending.filter(step_id__in=step_ids)
    by_step = {}
    for step_id, round_, customer_id, sent_at in pending.values_list("step_id", "round", "customer_id", "sent_at"):
        by_step.setdefault((step_id, round_), ([], []))
        by_step[step_id, round_][0].append(customer_id)
        by_step[step_id, round_][1].append(sent_at)
    recorded = 0
    for (step_id, round_), (customer_ids, times) in by_step.items():
        recorded += step_contacts_record(step=CampaignStep(pk=step_id), customer_ids=customer_ids, round=round_,
                                         now=max(times))
    return recorded


def outbox_pending(step_id=None):
    rows = OutboxMessage.objects.filter(_claimable(timezone.now()))
    return rows.filter(step_id=step_id) if step_id is not None else rows
