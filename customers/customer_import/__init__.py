"""Customer import: CSV (UTF-8, UTF-8 with BOM, Shift_JIS/cp932) or XLSX in the columns of the sample file.

Flow: read_table -> validate (every row, nothing written) -> commit (atomic, bulk, history kept).
The web screen keeps the state of one upload in an ImportBatch (upload -> preview -> confirm);
the management command runs the same three steps.
"""
from .batches import (
    ImportNotAllowed,
    import_batch_cancel,
    import_batch_confirm,
    import_batch_create,
    import_batch_rejected_csv,
    plan_for_bytes,
    rejected_rows_csv,
)
from .commit import ImportResult, commit_rows
from .validation import COLUMNS, ImportPlan, RowError, validate_table

__all__ = [
    "COLUMNS",
    "ImportNotAllowed",
    "ImportPlan",
    "ImportResult",
    "RowError",
    "commit_rows",
    "import_batch_cancel",
    "import_batch_confirm",
    "import_batch_create",
    "import_batch_rejected_csv",
    "plan_for_bytes",
    "rejected_rows_csv",
    "validate_table",
]
