"""The one way personal data leaves Mezame: export_write() writes every export and its audit record.

The customer list, the purchases list, the dormant list and `manage.py export_customers` all call it with
a queryset and a kind; the kind decides the permission, the columns and the row builder, so no caller can
export without the check or the ExportAudit row, or pair a queryset with the wrong columns. Files are CSV
(UTF-8 with BOM, for Excel on Japanese Windows) or XLSX, both with formulas neutralised
(customers.tabular.writing).
"""
import tempfile
from contextlib import closing
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from crm.models import ExportAudit
from crm.permissions import require
from customers import customer_columns
from customers.purchases.selectors import EXPORT_HEADER as PURCHASE_COLUMNS
from customers.purchases.selectors import purchase_export_rows
from customers.selectors import EXPORT_COLUMNS, customer_export_rows
from customers.tabular import write_csv, write_xlsx

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
# Past this size the file goes to disk: a full export of a large list must not sit in memory.
SPOOL_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ExportKind:
    action: str  # the permission (crm.permissions) the exporting user needs
    columns: tuple
    rows: Any  # queryset -> a generator of rows in `columns` order
    labelled: bool = False  # headers and values can be written as labels: `header(codes=…)`, `rows(…, codes=…)`


EXPORT_KINDS = {
    "customers": ExportKind("customers.export", tuple(EXPORT_COLUMNS), customer_export_rows, labelled=True),
    "dormant_customers": ExportKind("customers.export", tuple(EXPORT_COLUMNS), customer_export_rows, labelled=True),
    "purchases": ExportKind("purchases.export", tuple(PURCHASE_COLUMNS), purchase_export_rows),
}


@dataclass(frozen=True)
class ExportFile:
    """A written export: `stream` is positioned at its start (a view hands it to FileResponse, which closes it)."""

    stream: IO[bytes]
    filename: str
    content_type: str
    audit: ExportAudit


def export_filename(kind="customers", file_format="csv"):
    return f"{kind}_{timezone.localtime():%Y%m%d_%H%M}.{FORMATS[file_format][1]}"


def _actor(user):
    return f"{user.get_username()} ({user})" if str(user) != user.get_username() else user.get_username()


@transaction.atomic
def export_write(*, by, kind, queryset, file_format="csv", filters=None, via="web", stream=None, codes=False):
    """Check `by` may export `kind`, write the queryset's rows, and record the export; returns an ExportFile.

    The file is written and the ExportAudit row created in one transaction: an export that fails half-way
    leaves no record, and no file is handed out without one. `filters` is the filter as the user chose it
    (a plain dict, shown in the audit); `via` is "web" or "command". Without `stream` the file is spooled
    to a temporary file that moves to disk past SPOOL_MAX_BYTES. A customer export has its header and its
    kind, lifecycle, source and dormancy status in the active language unless `codes` asks for the English
    codes (customers.customer_columns); the import reads either.
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export kind: {kind}")
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format: {file_format}")
    spec = EXPORT_KINDS[kind]
    require(by, spec.action)
    if stream is None:
        stream = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115 - handed to the caller
    start = stream.tell()
    # Closed inside the transaction even when writing fails: the rows are read through a server-side cursor
    # on PostgreSQL, which must not be closed after the rollback that discarded it.
    header = customer_columns.header(codes=codes) if spec.labelled else spec.columns
    rows = spec.rows(queryset, codes=codes) if spec.labelled else spec.rows(queryset)
    with closing(rows):
        if file_format == "csv":
            count = write_csv(stream, header, rows)
        else:
            count = write_xlsx(stream, header, rows, sheet_title=kind)
    audit = ExportAudit.objects.create(
        user=by, actor=_actor(by), kind=kind, file_format=file_format, filters=filters or {}, row_count=count, via=via,
    )
    stream.seek(start)
    return ExportFile(stream=stream, filename=export_filename(kind, file_format),
                      content_type=FORMATS[file_format][0], audit=audit)

