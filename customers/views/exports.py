"""The export button of the filtered list: the same filters, as CSV (UTF-8 with BOM) or XLSX, audited."""
from django.http import FileResponse
from django.views.decorators.http import require_GET

from crm.permissions import require
from customers import selectors
from customers.export import FORMATS, export_write
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
    codes = params.pop("headers", [""])[-1] == "codes"  # English codes instead of the user's language
    customer_filter = CustomerFilter(params or None, queryset=selectors.customer_list())
    export = export_write(by=request.user, kind="customers", queryset=customer_filter.qs, file_format=file_format,
                          filters=customer_filter.filter_summary(), via="web", codes=codes)  # fmt: skip
    return FileResponse(export.stream, as_attachment=True, filename=export.filename, content_type=export.content_type)
