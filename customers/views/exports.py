"""The export button of the filtered list: the same filters, as CSV (UTF-8 with BOM) or XLSX, audited."""
import tempfile

from django.http import FileResponse
from django.views.decorators.http import require_GET

from crm.permissions import require
from customers import selectors
from customers.export import FORMATS, customer_export, export_filename
from customers.filters import CustomerFilter


@require_GET
def customer_export_view(request):
    require(request.user, "customers.export")
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        file_format = "csv"
    params = request.GET.copy()
    params.pop("format", None)
    params.pop("page", None)
    customer_filter = CustomerFilter(params or None, queryset=selectors.customer_list())
    # Spooled to disk past 10 MB: a full export of a large list must not sit in memory.
    stream = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    customer_export(
        queryset=customer_filter.qs,
        stream=stream,
        by=request.user,
        file_format=file_format,
        filters=customer_filter.filter_summary(),
        via="web",
    )
    stream.seek(0)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=export_filename("customers", file_format),
        content_type=FORMATS[file_format][0],
    )
