"""The customer import screens: upload -> the check runs in a task (the page polls its progress) -> preview with
row errors and warnings -> confirm (all rows, or only the valid ones) -> the import runs in a task -> result."""
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.permissions import permission_required
from customers.customer_columns import IMPORT_CODES
from customers.customer_import import (
    ImportNotAllowed,
    customer_batch_cancel,
    customer_batch_confirm,
    customer_batch_create,
    customer_batch_rejected_csv,
)
from customers.forms import ImportUploadForm
from customers.import_states import import_batch_progress
from customers.models import ImportBatch

RECENT_IMPORTS = 10


def _customer_batch(pk):
    return get_object_or_404(ImportBatch, pk=pk, kind=ImportBatch.Kind.CUSTOMERS)


def _context(batch):
    return {"batch": batch, "options": batch.options or {}, "progress": import_batch_progress(batch),
            "State": ImportBatch.State}  # fmt: skip


@permission_required("customers.import")
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = customer_batch_create(upload=form.cleaned_data["file"], by=request.user)
        return redirect("customers:import_detail", pk=batch.pk)
    recent = ImportBatch.objects.filter(kind=ImportBatch.Kind.CUSTOMERS).select_related("uploaded_by")
    return render(request, "customers/import_upload.html",
                  {"form": form, "recent": recent[:RECENT_IMPORTS], "columns": IMPORT_CODES})  # fmt: skip


@require_GET
@permission_required("customers.import")
def import_detail(request, pk):
    return render(request, "customers/import_detail.html", _context(_customer_batch(pk)))


@require_GET
@permission_required("customers.import")
def import_progress(request, pk):
    """Polled by the batch page (HTMX) while a task works on the batch; reloads the page once it is finished."""
    batch = _customer_batch(pk)
    if not batch.is_busy:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("customers:import_detail", args=[pk])
        return response
    return render(request, "customers/partials/import_progress.html", _context(batch))


@require_POST
@permission_required("customers.import")
def import_confirm(request, pk):
    batch = _customer_batch(pk)
    try:
        customer_batch_confirm(batch=batch, by=request.user, only_valid=request.POST.get("only_valid") == "1")
    except ImportNotAllowed as exc:
        messages.error(request, str(exc))
    return redirect("customers:import_detail", pk=pk)


@require_POST
@permission_required("customers.import")
def import_cancel(request, pk):
    if customer_batch_cancel(batch=_customer_batch(pk), by=request.user):
        messages.info(request, _("The import was cancelled; nothing was written."))
    return redirect("customers:import")


@require_GET
@permission_required("customers.import")
def import_rejected(request, pk):
    stream = customer_batch_rejected_csv(batch=_customer_batch(pk), by=request.user)
    return FileResponse(stream, as_attachment=True, filename=f"rejected_{pk}.csv",
                        content_type="text/csv; charset=utf-8")  # fmt: skip
