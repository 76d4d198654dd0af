"""Customer export to CSV (UTF-8 with BOM) or XLSX, with the audit record every export of personal data needs.

The rows come from customers.selectors.customer_export_rows, which the dormant list's export reuses.
"""
from django.db import transaction
from django.utils import timezone

from crm.models import ExportAudit
from crm.permissions import require
from customers.selectors import EXPORT_COLUMNS, customer_export_rows
from customers.tabular import write_csv, write_xlsx

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def export_filename(kind="customers", file_format="csv"):
    return f"{kind}_{timezone.localtime():%Y%m%d_%H%M}.{FORMATS[file_format][1]}"


def _actor(user):
    if user is None:
        return ""
    return f"{user.get_username()} ({user})" if str(user) != user.get_username() else user.get_username()


@transaction.atomic
def customer_export(*, queryset, stream, by, file_format="csv", filters=None, via="web", kind="customers",
                    columns=EXPORT_COLUMNS, rows=None):
    """Write the queryset's rows to a binary stream and record the export. Returns the ExportAudit.

    `rows` lets another list (the dormant list) pass rows built from its own queryset with the same
    columns; by default they come from customer_export_rows(queryset).
    """
    require(by, "customers.export")
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format: {file_format}")
    rows = customer_export_rows(queryset) if rows is None else rows
    writer = write_csv if file_format == "csv" else write_xlsx
    count = writer(stream, columns, rows) if file_format == "csv" else writer(stream, columns, rows, sheet_title=kind)
    return ExportAudit.objects.create(
        user=by,
        actor=_actor(by),
        kind=kind,
        file_format=file_format,
        filters=filters or {},
        row_count=count,
        via=via,
    )
