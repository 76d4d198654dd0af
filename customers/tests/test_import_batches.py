"""Import batches as a state machine, for customer and purchase files alike: the allowed and refused moves, tasks
that are redelivered or repeated, double confirmations, failures that say why, retries of transient errors,
the runner lock, the permission checks in the services, and the data migration of the old state names."""
import importlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from config.celery import app as celery_app
from crm.roles import Role
from customers import tasks
from customers.customer_import import (
    ImportNotAllowed,
    customer_batch_cancel,
    customer_batch_confirm,
    customer_batch_create,
    customer_batch_rejected_csv,
)
from customers.customer_import import batches as customer_batches
from customers.import_states import (
    ImportStateError,
    import_batch_fail,
    import_batch_progress,
    import_batch_progress_report,
    import_batch_runner_lock,
    import_batch_transition,
)
from customers.models import Customer, ImportBatch, Purchase
from customers.purchases import batches as purchase_batches

from .purchase_fixtures import SAMPLE as PURCHASES_SAMPLE
from .purchase_fixtures import make_sample_customers, make_sample_products
from .test_import_customers import SAMPLE as CUSTOMERS_SAMPLE
from .test_import_customers import clean_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
State = ImportBatch.State
ALL_MOVES = [(source, target) for source, targets in ImportBatch.TRANSITIONS.items() for target in sorted(targets)]
# What the database says when it is away (SQLite: busy), which the import tasks try again later.
UNREACHABLE = "database is locked" if connection.vendor == "sqlite" else "server closed the connection unexpectedly"
REFUSED_MOVES = [(source, target) for source in State.values for target in State.values
                 if (source, target) not in ALL_MOVES]  # fmt: skip


@pytest.fixture(autouse=True)
def _eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # no worker in tests, even with Redis set
    yield
    celery_app.conf.task_always_eager = previous


def _batch(state=State.UPLOADED, kind=ImportBatch.Kind.CUSTOMERS):
    return ImportBatch.objects.create(kind=kind, state=state, original_name="x.csv", file="x.csv")


class TestTransitions:
    @pytest.mark.parametrize(("source", "target"), ALL_MOVES)
    def test_it_makes_each_allowed_move(self, source, target):
        batch = _batch(source)
        assert import_batch_transition(batch, to=target, expected=source)
        batch.refresh_from_db()
        assert batch.state == target
        assert (batch.finished_at is not None) == (target in ImportBatch.FINAL_STATES)

    @pytest.mark.parametrize(("source", "target"), REFUSED_MOVES)
    def test_it_refuses_every_other_move(self, source, target):
        batch = _batch(source)
        with pytest.raises(ImportStateError):
            import_batch_transition(batch, to=target, expected=source)
        batch.refresh_from_db()
        assert batch.state == source

    def test_it_does_not_move_a_batch_that_left_the_expected_state(self):
        batch = _batch(State.VALIDATED)
        stale = ImportBatch.objects.get(pk=batch.pk)
        assert import_batch_transition(batch, to=State.CONFIRMED, expected=State.VALIDATED)
        assert not import_batch_transition(stale, to=State.CANCELLED, expected=State.VALIDATED)
        stale.refresh_from_db()
        assert stale.state == State.CONFIRMED

    @pytest.mark.parametrize("state", sorted(set(State.values) - ImportBatch.FINAL_STATES))
    def test_a_batch_fails_from_every_state_that_is_not_final_and_says_why(self, state):
        batch = _batch(state)
        assert import_batch_fail(batch, message="The disk is full.")
        batch.refresh_from_db()
        assert (batch.state, batch.message) == (State.FAILED, "The disk is full.")

    @pytest.mark.parametrize("state", sorted(ImportBatch.FINAL_STATES))
    def test_a_finished_batch_keeps_its_state_when_something_fails_later(self, state):
        batch = _batch(state)
        assert not import_batch_fail(batch, message="late")
        batch.refresh_from_db()
        assert batch.state == state and batch.message == ""

    def test_the_progress_of_a_running_task_shows_before_its_transaction_commits(self):
        from django.db import transaction

        batch = _batch(State.RUNNING)
        with transaction.atomic():
            import_batch_progress_report(batch.pk, 40)
        batch.refresh_from_db()
        assert batch.progress == 0 and import_batch_progress(batch) == 40


# --- the same flows for both kinds of file ----------------------------------------------------------------------


class CustomerFlow:
    kind = ImportBatch.Kind.CUSTOMERS
    validate_task, run_task = tasks.customer_import_validate, tasks.customer_import_run

    def upload(self, by, data=None):
        return customer_batch_create(upload=SimpleUploadedFile("customers.csv", data or CUSTOMERS_SAMPLE.read_bytes()),
                                     by=by)  # fmt: skip

    def confirm(self, batch, by):
        """True when confirmed; False when refused as not waiting (the purchase service answers that way)."""
        try:
            customer_batch_confirm(batch=batch, by=by, only_valid=True)
        except ImportNotAllowed:
            return False
        return True

    def cancel(self, batch, by):
        return customer_batch_cancel(batch=batch, by=by)

    def written(self):
        return Customer.objects.count()

    expected_written = 18
    patch_target = (customer_batches, "commit_batch_rows")


class PurchaseFlow:
    kind = ImportBatch.Kind.PURCHASES
    validate_task, run_task = tasks.purchase_import_validate, tasks.purchase_import_run

    def upload(self, by, data=None):
        make_sample_customers()
        make_sample_products()
        return purchase_batches.purchase_batch_create(
            upload=SimpleUploadedFile("purchases.csv", data or PURCHASES_SAMPLE.read_bytes()), by=by)

    def confirm(self, batch, by):
        return purchase_batches.purchase_batch_confirm(batch=batch, by=by, only_valid=True)

    def cancel(self, batch, by):
        return purchase_batches.purchase_batch_cancel(batch=batch, by=by)

    def written(self):
        return Purchase.objects.count()

    expected_written = 127
    patch_target = (purchase_batches, "purchases_import")


@pytest.fixture(params=[CustomerFlow, PurchaseFlow], ids=["customers", "purchases"])
def flow(request, time_machine):
    time_machine.move_to("2027-01-15 10:00 +09:00", tick=False)  # after every date of the purchases sample
    return request.param()


@pytest.fixture
def validated(flow, maintainer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = flow.upload(maintainer)
    batch.refresh_from_db()
    assert batch.state == State.VALIDATED and batch.valid_rows
    return batch


@pytest.fixture
def confirmed(flow, validated, maintainer, django_capture_on_commit_callbacks):
    """Confirmed; the import task is queued but has not run (its callback is returned to run it)."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert flow.confirm(validated, maintainer)
    validated.refresh_from_db()
    assert validated.state == State.CONFIRMED and len(callbacks) == 1
    return validated, callbacks[0]


class TestFlows:
    def test_a_redelivered_check_after_the_confirmation_does_nothing(self, flow, confirmed):
        batch, run = confirmed
        before = (batch.valid_rows, batch.error_count, list(batch.errors))
        flow.validate_task.apply(args=[batch.pk])
        batch.refresh_from_db()
        assert batch.state == State.CONFIRMED and (batch.valid_rows, batch.error_count, batch.errors) == before
        run()
        batch.refresh_from_db()
        assert batch.state == State.DONE and flow.written() == flow.expected_written

    def test_a_redelivered_check_after_the_import_does_nothing(self, flow, confirmed):
        batch, run = confirmed
        run()
        flow.validate_task.apply(args=[batch.pk])
        batch.refresh_from_db()
        assert batch.state == State.DONE and flow.written() == flow.expected_written

    def test_the_import_task_only_runs_a_confirmed_batch(self, flow, validated):
        flow.run_task.apply(args=[validated.pk])
        validated.refresh_from_db()
        assert validated.state == State.VALIDATED and flow.written() == 0

    def test_a_double_confirmation_imports_once(self, flow, confirmed, maintainer, django_capture_on_commit_callbacks):
        batch, run = confirmed
        with django_capture_on_commit_callbacks(execute=True) as second:
            assert not flow.confirm(ImportBatch.objects.get(pk=batch.pk), maintainer)
        assert not second
        run()
        flow.run_task.apply(args=[batch.pk])  # the same task delivered again
        batch.refresh_from_db()
        assert batch.state == State.DONE and flow.written() == flow.expected_written
        assert batch.created_count == flow.expected_written

    def test_a_failed_import_says_why_and_writes_nothing(self, flow, confirmed, monkeypatch):
        batch, run = confirmed

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(*flow.patch_target, broken)
        run()
        batch.refresh_from_db()
        assert batch.state == State.FAILED and "disk full" in batch.message and "nothing was written" in batch.message
        assert batch.finished_at is not None and flow.written() == 0

    def test_a_file_that_cannot_be_read_fails_with_the_reason(self, flow, maintainer,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            batch = flow.upload(maintainer, data=b"\x81\xff\xfe garbage that is no text\n")
        batch.refresh_from_db()
        assert batch.state == State.FAILED and "UTF-8" in batch.message

    def test_the_import_is_tried_again_after_the_database_was_unreachable(self, flow, confirmed, monkeypatch):
        batch, run = confirmed
        real, calls = getattr(*flow.patch_target), []

        def unreachable_once(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise OperationalError(UNREACHABLE)
            return real(*args, **kwargs)

        monkeypatch.setattr(*flow.patch_target, unreachable_once)
        run()
        batch.refresh_from_db()
        assert len(calls) == 2 and batch.state == State.DONE and flow.written() == flow.expected_written

    def test_the_batch_fails_when_the_retries_run_out(self, flow, confirmed, monkeypatch):
        batch, run = confirmed

        calls = []

        def unreachable(*args, **kwargs):
            calls.append(1)
            raise OperationalError(UNREACHABLE)

        monkeypatch.setattr(*flow.patch_target, unreachable)
        run()
        batch.refresh_from_db()
        assert len(calls) == 1 + tasks.customer_import_run.max_retries
        assert batch.state == State.FAILED and UNREACHABLE in batch.message and flow.written() == 0

    def test_a_task_stops_while_another_works_on_the_batch(self, flow, confirmed):
        batch, _run = confirmed
        with _held_runner_lock(batch.pk):
            flow.run_task.apply(args=[batch.pk])
        batch.refresh_from_db()
        assert batch.state == State.CONFIRMED and flow.written() == 0

    def test_an_import_left_running_by_a_lost_worker_is_taken_over(self, flow, confirmed):
        batch, _run = confirmed
        ImportBatch.objects.filter(pk=batch.pk).update(state=State.RUNNING)  # claimed, then the worker died
        flow.run_task.apply(args=[batch.pk])  # the message delivered again
        batch.refresh_from_db()
        assert batch.state == State.DONE and flow.written() == flow.expected_written

    def test_cancelling_leaves_nothing_to_import(self, flow, validated, maintainer):
        assert flow.cancel(validated, maintainer)
        flow.run_task.apply(args=[validated.pk])
        validated.refresh_from_db()
        assert validated.state == State.CANCELLED and flow.written() == 0
        assert not flow.cancel(validated, maintainer)


class _held_runner_lock:
    """The runner lock held by "another worker": a second database session (PostgreSQL), the cache elsewhere."""

    def __init__(self, batch_id):
        self.batch_id = batch_id

    def __enter__(self):
        if connection.vendor == "postgresql":
            import psycopg2

            from customers.import_states import RUNNER_LOCK_NAMESPACE

            self.other = psycopg2.connect(**connection.get_connection_params())
            with self.other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [RUNNER_LOCK_NAMESPACE + self.batch_id])
        else:
            self.lock = import_batch_runner_lock(self.batch_id)
            assert self.lock.__enter__()
        return self

    def __exit__(self, *exc_info):
        if connection.vendor == "postgresql":
            self.other.close()
        else:
            self.lock.__exit__(*exc_info)


class TestPermissions:
    """The services are the guarantee: each role calls them directly."""

    CUSTOMER_IMPORT = {Role.LIST_MAINTAINER, Role.ADMIN}
    PURCHASE_IMPORT = {Role.LIST_MAINTAINER, Role.MANAGER, Role.ADMIN}

    @pytest.mark.parametrize("role", Role.values)
    def test_customer_batch_services(self, role, users_by_role, maintainer, django_capture_on_commit_callbacks):
        user = users_by_role[role]
        allowed = role in self.CUSTOMER_IMPORT
        with django_capture_on_commit_callbacks(execute=True):
            mine = customer_batch_create(upload=SimpleUploadedFile("c.csv", clean_text().encode("cp932")),
                                         by=maintainer)  # fmt: skip
        calls = [
            lambda: customer_batch_create(upload=SimpleUploadedFile("c.csv", b"code,name\nX1,A\n"), by=user),
            lambda: customer_batch_rejected_csv(batch=mine, by=user).close(),
            lambda: customer_batch_confirm(batch=ImportBatch.objects.get(pk=mine.pk), by=user),
            lambda: customer_batch_cancel(batch=ImportBatch.objects.get(pk=mine.pk), by=user),  # too late: no move
        ]
        for call in calls:
            if allowed:
                with django_capture_on_commit_callbacks(execute=False):
                    call()
            else:
                with pytest.raises(PermissionDenied):
                    call()
        mine.refresh_from_db()
        assert mine.state == (State.CONFIRMED if allowed else State.VALIDATED)

    @pytest.mark.parametrize("role", Role.values)
    def test_purchase_batch_services(self, role, users_by_role):
        user = users_by_role[role]
        allowed = role in self.PURCHASE_IMPORT
        batch = _batch(State.VALIDATED, kind=ImportBatch.Kind.PURCHASES)
        calls = [
            lambda: purchase_batches.purchase_batch_create(upload=SimpleUploadedFile("p.csv", b"x"), by=user),
            lambda: purchase_batches.purchase_batch_confirm(batch=batch, by=user, only_valid=True),
        ]
        for call in calls:
            if allowed:
                call()
            else:
                with pytest.raises(PermissionDenied):
                    call()
        batch.refresh_from_db()
        assert batch.state == (State.CONFIRMED if allowed else State.VALIDATED)
        if not allowed:
            with pytest.raises(PermissionDenied):
                purchase_batches.purchase_batch_cancel(batch=batch, by=user)


class TestStateMigration:
    def test_old_state_names_are_mapped_and_customer_orphans_fail(self):
        from django.apps import apps

        migration = importlib.import_module("customers.migrations.0007_import_batch_states")
        old = {"validating": "uploaded", "previewed": "validated", "importing": "running", "done": "done",
               "failed": "failed", "cancelled": "cancelled"}  # fmt: skip
        purchases = {name: _batch(kind=ImportBatch.Kind.PURCHASES) for name in old}
        customers = {name: _batch() for name in ["uploaded", "previewed", "importing", "done"]}
        for name, batch in [*purchases.items(), *customers.items()]:
            ImportBatch.objects.filter(pk=batch.pk).update(state=name)
        migration.forward(apps, None)
        for name, batch in purchases.items():
            batch.refresh_from_db()
            assert batch.state == old[name]
        for name, batch in customers.items():
            batch.refresh_from_db()
            assert batch.state == ("done" if name == "done" else "failed")
            assert ("upload it again" in batch.message) == (name != "done")
