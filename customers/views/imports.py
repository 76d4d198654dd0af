"""The import screen: upload -> preview with row errors -> confirm (all rows, or only the valid ones)."""
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.permissions import require
from customers.customer_import import (
    ImportNotAllowed,
    import_batch_cancel,
    import_batch_confirm,
    import_batch_create,
    import_batch_rejected_csv,
)
from customers.customer_import.validation import COLUMNS
from customers.forms import ImportUploadForm
from customers.models import ImportBatch


def _customer_batch(pk):
    return get_object_or_404(ImportBatch, pk=pk, kind=ImportBatch.Kind.CUSTOMERS)


def import_upload(request):
    require(request.user, "customers.import")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = import_batch_create(upload=form.cleaned_data["file"], by=request.user)
        return redirect("customers:import_detail", pk=batch.pk)
    recent = ImportBatch.objects.filter(kind=ImportBatch.Kind.CUSTOMERS).select_related("uploaded_by")[:10]
    return render(request, "customers/import_upload.html", {"form": form, "recent": recent, "columns": COLUMNS})


@require_GET
def import_detail(request, pk):
    require(request.user, "customers.import")
    batch = _customer_batch(pk)
    return render(request, "customers/import_detail.html", {"batch": batch, "options": batch.options or {}})


@require_POST
def import_confirm(request, pk):
    require(request.user, "customers.import")
    batch = _customer_batch(pk)
    only_valid = request.POST.get("only_valid") == "1"
    try:
        batch = import_batch_confirm(batch=batch, by=request.user, only_valid=only_valid)
    except ImportNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("customers:import_detail", pk=batch.pk)
    messages.success(request, _("Imported: %(created)d new, %(updated)d updated.") % {
        "created": batch.created_count, "updated": batch.updated_count})
    return redirect("customers:import_detail", pk=batch.pk)


@require_POST
def import_cancel(request, pk):
    require(request.user, "customers.import")
    batch = _customer_batch(pk)
    if import_batch_cancel(batch=batch, by=request.user):
        messages.info(request, _("The import was cancelled; nothing was written."))
    return redirect("customers:import")


@require_GET
def import_rejected(request, pk):
    require(request.user, "customers.import")
    batch = _customer_batch(pk)
    response = HttpResponse(import_batch_rejected_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected_{batch.pk}.csv"'
    return response
