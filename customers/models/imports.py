"""A file being imported, kept from upload through the check and the preview to the import, and the customer rows
its check found, so that confirming imports what was checked without reading and checking the file again.

A batch moves only through customers.import_states.import_batch_transition (the allowed moves are the
TRANSITIONS table below); each move is a conditional update from the expected state, so a redelivered task or
a second click cannot move a batch twice.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.files import import_upload_to


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        PURCHASES = "purchases", _("Purchases")

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, being checked")
        VALIDATED = "validated", _("Checked, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed, waiting to be imported")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # state -> the states it may move to. Failed is reachable from every state that is not final.
    TRANSITIONS = {
        State.UPLOADED: {State.VALIDATED, State.CANCELLED, State.FAILED},
        State.VALIDATED: {State.CONFIRMED, State.CANCELLED, State.FAILED},
        State.CONFIRMED: {State.RUNNING, State.FAILED},
        State.RUNNING: {State.DONE, State.FAILED},
    }
    FINAL_STATES = frozenset({State.DONE, State.FAILED, State.CANCELLED})
    # A task is (or should be) working on the batch: the screens poll its progress.
    BUSY_STATES = frozenset({State.UPLOADED, State.CONFIRMED, State.RUNNING})

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.UPLOADED)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    options = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # first errors for the preview: line, column, value, reason
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, for big files
    message = models.TextField(blank=True)  # why a batch failed, in words for the user
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name} ({self.get_state_display()})"

    @property
    def is_busy(self):
        return self.state in self.BUSY_STATES


class CustomerImportRow(models.Model):
    """One data row of a checked customer file: the parsed values of a valid row (what the import writes), or the
    cells as sent and the reasons of a rejected one (what the rejected-rows file gives back).

    Written in bulk by the check (COPY on PostgreSQL); the valid rows are deleted once imported, the rejected
    ones stay with their batch for the download (and go when the batch is deleted).
    """

    # No database-level key and no index of its own: checking the 200,000 rows' key at commit cost more than a
    # second, and the (batch, line) constraint below is the index every query of these rows uses.
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="customer_rows", db_constraint=False,
                              db_index=False)  # fmt: skip
    line = models.PositiveIntegerField()  # line in the file; the header is line 1
    code = models.TextField(blank=True)
    is_valid = models.BooleanField(default=True)
    parsed = models.JSONField(null=True, blank=True)  # model field -> value; fields to leave alone are in `kept`
    kept = models.JSONField(null=True, blank=True)
    raw = models.JSONField(null=True, blank=True)  # rejected rows: the cells as sent
    reasons = models.TextField(blank=True)  # rejected rows: "column: reason / …"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="customer_import_row_line_uniq")]

    def __str__(self):
        return f"{self.batch_id}:{self.line} {self.code}"
