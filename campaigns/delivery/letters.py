"""Printed letters (DM): a step's letters collect in its open batch, are rendered once into one print-ready PDF
(cover sheet, letters, address labels, all in postal-code order), downloaded by the office, and recorded as
contacts when the batch is marked posted.

Customers who cannot get a letter (no postal code or address, consent withdrawn, retired, merged away) stay in the
batch with their problem, listed apart for the list maintainer, never silently dropped.
"""
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import sql
from crm.files import private_name
from crm.permissions import require
from customers.models import Customer

from ..models import LetterBatch, LetterBatchItem, StepExecution
from . import merge

logger = logging.getLogger(__name__)
ACTION = "campaigns.letters"
RENDER_CHUNK = 100  # letters per WeasyPrint pass (the progress moves per chunk)


class Problem:
    NO_CONSENT = "no_dm_consent"
    RETIRED = "retired"
    NO_ADDRESS = "no_address"
    NO_POSTAL_CODE = "no_postal_code"


PROBLEM_LABELS = {
    Problem.NO_CONSENT: gettext_lazy("No DM consent (withdrawn since)"),
    Problem.RETIRED: gettext_lazy("Retired or merged customer"),
    Problem.NO_ADDRESS: gettext_lazy("No address"),
    Problem.NO_POSTAL_CODE: gettext_lazy("No valid postal code"),
}


# --- the "dm" channel handler --------------------------------------------------------------------------------

def _open_batch(step):
    batch = LetterBatch.objects.filter(step=step, state=LetterBatch.State.OPEN).first()
    if batch is not None:
        return batch
    try:
        with transaction.atomic():  # the partial unique constraint keeps it to one open batch per step
            return LetterBatch.objects.create(step=step)
    except IntegrityError:
        return LetterBatch.objects.get(step=step, state=LetterBatch.State.OPEN)


def dm_channel_handler(*, step, executions, now):
    """Put the step's due executions into its open letter batch (set-based; a rerun adds nobody twice)."""
    due = executions.filter(state=StepExecution.State.DUE)
    if not due.exists():
        return 0
    batch = _open_batch(step)
    rows = due.order_by().values_list("customer_id", "pk", "round")
    select_sql, params = rows.query.sql_with_params()
    sql.execute(
        f"INSERT INTO {sql.table(LetterBatchItem)} (batch_id, step_id, customer_id, execution_id, round, "  # noqa: S608
        f"position, problem) SELECT %s, %s, s.* , NULL, '' FROM ({select_sql}) s WHERE 1 = 1 "
        f"ON CONFLICT (step_id, customer_id, round) DO NOTHING",
        (batch.pk, step.pk, *params))
    return due.update(state=StepExecution.State.HANDED_OVER, handed_over_at=now)


# --- rendering -----------------------------------------------------------------------------------------------

@transaction.atomic
def letter_batch_render_start(*, batch, by, label_layout=None, include_staff_profile=None):
    """Close the batch (no more letters join it) and queue its rendering; a failed rendering may start again."""
    stored = LetterBatch.objects.select_for_update().get(pk=batch.pk)
    require(by, ACTION, stored)
    if stored.state not in (LetterBatch.State.OPEN, LetterBatch.State.FAILED):
        raise ValidationError(_("This batch has been rendered already."))
    if not stored.items.exists():
        raise ValidationError(_("This batch has no letters yet."))
    if label_layout is not None:
        stored.label_layout = label_layout
    if include_staff_profile is not None:
        stored.include_staff_profile = include_staff_profile
    stored.state, stored.rendered_by, stored.error = LetterBatch.State.RENDERING, by, ""
    stored.progress_done, stored.progress_total = 0, 0
    stored.save()
    from . import tasks

    transaction.on_commit(lambda: tasks.letter_batch_render.delay(stored.pk))
    return stored


def _mark_problems(batch):
    """Set each item's problem from the customer as stored now (set-based, one UPDATE per problem)."""
    items = LetterBatchItem.objects.filter(batch=batch)
    items.update(problem="", position=None)
    gone = Q(lifecycle=Customer.Lifecycle.RETIRED) | Q(merged_into__isnull=False)
    checks = [
        (Problem.RETIRED, Customer.objects.filter(gone)),
        (Problem.NO_CONSENT, Customer.objects.filter(has_dm_consent=False)),
        (Problem.NO_ADDRESS, Customer.objects.filter(address="")),
        (Problem.NO_POSTAL_CODE, Customer.objects.exclude(postal_key__regex=r"^[0-9]{7}$")),
    ]
    for problem, customers in checks:
        items.filter(problem="", customer__in=customers).update(problem=problem)


def _order(batch):
    """Positions 1…n of the printable letters by postal code (then customer code): 区分郵便 order."""
    ordered = list(LetterBatchItem.objects.filter(batch=batch, problem="")
                   .order_by("customer__postal_key", "customer__code", "pk").values_list("pk", flat=True))
    LetterBatchItem.objects.bulk_update(
        [LetterBatchItem(pk=pk, position=index) for index, pk in enumerate(ordered, start=1)], ["position"],
        batch_size=1000)
    return ordered


def postal_areas(batch):
    """[(first three digits of the postal code, letters)] in order: the counts the post office asks for."""
    return list(LetterBatchItem.objects.filter(batch=batch, problem="")
                .annotate(area=Substr("customer__postal_key", 1, 3)).order_by("area")
                .values_list("area").annotate(letters=Count("pk")))


def letter_batch_render_run(*, batch_id):
    """The task's work: problems, order, PDF in chunks (progress saved per chunk), then ready (or failed)."""
    from . import pdf

    if not LetterBatch.objects.filter(pk=batch_id, state=LetterBatch.State.RENDERING).exists():
        return  # rendered already (a redelivered task) or not started
    batch = LetterBatch.objects.select_related("step__campaign").get(pk=batch_id)
    try:
        _mark_problems(batch)
        ordered = _order(batch)
        LetterBatch.objects.filter(pk=batch_id).update(progress_total=len(ordered), progress_done=0)

        def progress(done):
            LetterBatch.objects.filter(pk=batch_id).update(progress_done=done)

        content = pdf.render_batch(batch, progress=progress, chunk=RENDER_CHUNK)
        name = default_storage.save(private_name("letters", default_suffix="pdf"), ContentFile(content))
        undeliverable = LetterBatchItem.objects.filter(batch=batch).exclude(problem="").count()
        LetterBatch.objects.filter(pk=batch_id, state=LetterBatch.State.RENDERING).update(
            state=LetterBatch.State.READY, file=name, rendered_at=timezone.now(), letters_count=len(ordered),
            undeliverable_count=undeliverable, progress_done=len(ordered))
    except Exception as exc:
        logger.exception("letter batch %s: rendering failed", batch_id)
        LetterBatch.objects.filter(pk=batch_id).update(state=LetterBatch.State.FAILED, error=str(exc)[:300])
        raise


def letters_in_order(batch):
    """[(item, merge values)] of the printable letters in print order (for the PDF); the merge fields fetched per
    round of the customers' enrolments (a coupon or feedback link is the round's)."""
    items = list(LetterBatchItem.objects.filter(batch=batch, problem="").order_by("position")
                 .select_related("customer"))
    by_round = {}
    for item in items:
        by_round.setdefault(item.round, []).append(item.customer_id)
    values = {(round_, customer_id): fields for round_, customer_ids in by_round.items()
              for customer_id, fields in merge.fields_for(batch.step, customer_ids, round=round_).items()}
    return [(item, values.get((item.round, item.customer_id), {})) for item in items]


# --- posting -------------------------------------------------------------------------------------------------

def letter_batch_mark_posted(*, batch, by, now=None):
    """The letters went to the post office: each printed letter becomes a recorded contact (once), and the
    customers left out have their execution skipped with the reason."""
    from campaigns.services import step_contacts_record

    now = now or timezone.now()
    with transaction.atomic():
        stored = LetterBatch.objects.select_for_update().get(pk=batch.pk)
        require(by, ACTION, stored)
        if not LetterBatch.objects.filter(pk=stored.pk, state=LetterBatch.State.READY).update(
                state=LetterBatch.State.POSTED, posted_at=now, posted_by=by):
            raise ValidationError(_("Only a rendered batch can be marked posted."))
        printed = {}
        for round_, customer_id in LetterBatchItem.objects.filter(batch=stored, problem="").values_list(
                "round", "customer_id"):
            printed.setdefault(round_, []).append(customer_id)
        for problem in PROBLEM_LABELS:
            execution_ids = LetterBatchItem.objects.filter(batch=stored, problem=problem).values("execution_id")
            StepExecution.objects.filter(pk__in=execution_ids, state=StepExecution.State.HANDED_OVER).update(
                state=StepExecution.State.SKIPPED, skip_reason=problem)
        # One record per round of the customers' enrolments (a playbook's later round is a contact of its own).
        recorded = sum(step_contacts_record(step=stored.step, customer_ids=customer_ids, round=round_, now=now, by=by)
                       for round_, customer_ids in sorted(printed.items()))
    return recorded


def undeliverable(batch):
    return (LetterBatchItem.objects.filter(batch=batch).exclude(problem="").select_related("customer")
            .order_by("customer__code"))
