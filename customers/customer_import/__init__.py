"""Customer import: CSV (UTF-8, UTF-8 with BOM, Shift_JIS/cp932, UTF-16) or XLSX in the columns of the sample file.

Flow: read (reading.py, row by row) -> check every row, nothing written (validation.py) -> commit (commit.py:
atomic, bulk, history kept). The web screen runs it as an ImportBatch in Celery tasks (batches.py: upload ->
check -> preview -> confirm -> import), keeping the checked rows so the import does not check the file again;
the management command runs the same check and commit in memory.
"""
from .batches import (
    ImportNotAllowed,
    customer_batch_cancel,
    customer_batch_confirm,
    customer_batch_create,
    customer_batch_rejected_csv,
    customer_batch_run,
    customer_batch_validate,
    plan_for_bytes,
    rejected_rows_csv,
)
from .commit import ImportResult, commit_batch_rows, commit_rows
from .validation import COLUMNS, ImportPlan, RowError, check_rows, validate_table

__all__ = [
    "COLUMNS",
    "ImportNotAllowed",
    "ImportPlan",
    "ImportResult",
    "RowError",
    "check_rows",
    "commit_batch_rows",
    "commit_rows",
    "customer_batch_cancel",
    "customer_batch_confirm",
    "customer_batch_create",
    "customer_batch_rejected_csv",
    "customer_batch_run",
    "customer_batch_validate",
    "plan_for_bytes",
    "rejected_rows_csv",
    "validate_table",
]
