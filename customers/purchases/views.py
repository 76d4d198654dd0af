"""Purchases screens: list with filters and export, the import (upload → preview → confirm → progress),
and the manager's catalogue (products, price changes, market events). Views stay thin: permission,
service or selector, render."""
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import ProtectedError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import permission_required
from customers.export import export_write
from customers.import_states import import_batch_progress
from customers.models import ImportBatch, MarketEvent, PriceChange, Product

from . import batches, selectors, services
from .filters import PurchaseFilter
from .forms import MarketEventForm, PriceChangeForm, ProductForm, PurchaseImportForm

PAGE_SIZE = 50


@permission_required("purchases.view")
def purchase_list(request):
    purchase_filter = PurchaseFilter(request.GET, queryset=selectors.purchase_list())
    page = Paginator(purchase_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "customers/purchases/partials/purchase_table.html" if request.htmx else "customers/purchases/purchase_list.html"
    return render(request, template, {"filter": purchase_filter, "page": page})


@permission_required("purchases.export")
def purchase_export(request):
    purchase_filter = PurchaseFilter(request.GET, queryset=selectors.purchase_list())
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    export = export_write(by=request.user, kind="purchases", queryset=purchase_filter.qs, file_format=file_format,
                          filters=purchase_filter.describe(), via="web")  # fmt: skip
    return FileResponse(export.stream, as_attachment=True, filename=export.filename, content_type=export.content_type)


@permission_required("purchases.import")
def purchase_import(request):
    form = PurchaseImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = batches.purchase_batch_create(
            upload=form.cleaned_data["file"], by=request.user,
            create_missing_customers=form.cleaned_data["create_missing_customers"],
            create_missing_products=form.cleaned_data["create_missing_products"],
        )
        return redirect("customers:purchase_import_preview", pk=batch.pk)
    recent = ImportBatch.objects.filter(kind=ImportBatch.Kind.PURCHASES).select_related("uploaded_by")[:10]
    return render(request, "customers/purchases/import_upload.html", {"form": form, "recent": recent})


def _batch(pk):
    return get_object_or_404(ImportBatch, pk=pk, kind=ImportBatch.Kind.PURCHASES)


def _batch_context(batch):
    return {"batch": batch, "is_running": batch.is_busy, "progress": import_batch_progress(batch),
            "State": ImportBatch.State}


@permission_required("purchases.import")
def purchase_import_preview(request, pk):
    return render(request, "customers/purchases/import_preview.html", _batch_context(_batch(pk)))


@permission_required("purchases.import")
def purchase_import_progress(request, pk):
    """Polled by the preview page (HTMX) while a task works; reloads the page once it is finished."""
    context = _batch_context(_batch(pk))
    if not context["is_running"]:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("customers:purchase_import_preview", args=[pk])
        return response
    return render(request, "customers/purchases/partials/import_progress.html", context)


@require_POST
@permission_required("purchases.import")
def purchase_import_confirm(request, pk):
    batch = _batch(pk)
    only_valid = request.POST.get("mode") == "valid_only"
    if not batches.purchase_batch_confirm(batch=batch, by=request.user, only_valid=only_valid):
        messages.warning(request, _("This import is not waiting for confirmation any more."))
    return redirect("customers:purchase_import_preview", pk=pk)


@require_POST
@permission_required("purchases.import")
def purchase_import_cancel(request, pk):
    if batches.purchase_batch_cancel(batch=_batch(pk), by=request.user):
        messages.info(request, _("The import was cancelled; nothing was written."))
    return redirect("customers:purchase_import")


@permission_required("purchases.import")
def purchase_import_rejected(request, pk):
    path = _batch(pk).options.get("rejected_file")
    if not path or not default_storage.exists(path):
        raise Http404
    return FileResponse(default_storage.open(path, "rb"), as_attachment=True, filename=f"rejected-{pk}.csv")


@permission_required("products.manage")
def product_list(request):
    return render(request, "customers/purchases/product_list.html", selectors.catalogue())


def _catalogue_form(request, *, form_class, instance, save, title, success):
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        save(form)
        messages.success(request, success)
        return redirect("customers:product_list")
    return render(request, "customers/purchases/catalogue_form.html", {"form": form, "title": title})


def _save_product(request, product):
    def save(form):
        if product is None:
            services.product_create(by=request.user, **form.cleaned_data)
        else:
            # The form has already applied the values to the instance: pass the changes to the service.
            services.product_update(product=Product.objects.get(pk=product.pk), by=request.user, **form.cleaned_data)
    return save


@permission_required("products.manage")
def product_create(request):
    return _catalogue_form(request, form_class=ProductForm, instance=None, save=_save_product(request, None),
                           title=_("New product"), success=_("The product was saved."))


@permission_required("products.manage")
def product_edit(request, pk):
    product = get_object_or_404(Product, pk=pk)
    return _catalogue_form(request, form_class=ProductForm, instance=product, save=_save_product(request, product),
                           title=_("Edit product"), success=_("The product was saved."))


@require_POST
@permission_required("products.manage")
def product_delete(request, pk):
    try:
        services.product_delete(product=get_object_or_404(Product, pk=pk), by=request.user)
        messages.success(request, _("The product was deleted."))
    except ProtectedError:
        messages.error(request, _("The product has purchases and cannot be deleted; mark it as not on sale instead."))
    return redirect("customers:product_list")


@permission_required("products.manage")
def price_change_create(request):
    return _catalogue_form(request, form_class=PriceChangeForm, instance=None,
                           save=lambda form: services.price_change_save(by=request.user, price_change=form.instance),
                           title=_("New price change"), success=_("The price change was saved."))


@permission_required("products.manage")
def price_change_edit(request, pk):
    return _catalogue_form(request, form_class=PriceChangeForm, instance=get_object_or_404(PriceChange, pk=pk),
                           save=lambda form: services.price_change_save(by=request.user, price_change=form.instance),
                           title=_("Edit price change"), success=_("The price change was saved."))


@require_POST
@permission_required("products.manage")
def price_change_delete(request, pk):
    services.price_change_delete(by=request.user, price_change=get_object_or_404(PriceChange, pk=pk))
    messages.success(request, _("The price change was deleted."))
    return redirect("customers:product_list")


@permission_required("products.manage")
def market_event_create(request):
    return _catalogue_form(request, form_class=MarketEventForm, instance=None,
                           save=lambda form: services.market_event_save(by=request.user, event=form.instance),
                           title=_("New market event"), success=_("The market event was saved."))


@permission_required("products.manage")
def market_event_edit(request, pk):
    return _catalogue_form(request, form_class=MarketEventForm, instance=get_object_or_404(MarketEvent, pk=pk),
                           save=lambda form: services.market_event_save(by=request.user, event=form.instance),
                           title=_("Edit market event"), success=_("The market event was saved."))


@require_POST
@permission_required("products.manage")
def market_event_delete(request, pk):
    services.market_event_delete(by=request.user, event=get_object_or_404(MarketEvent, pk=pk))
    messages.success(request, _("The market event was deleted."))
    return redirect("customers:product_list")
