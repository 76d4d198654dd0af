"""Dormancy screens: the dormant list (everyone) and its export, the rules with a preview and the run log (managers)."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.permissions import can, permission_required, require
from customers.export import FORMATS, export_write

from . import ranking, selectors, services
from .forms import DormancyRuleForm, DormantFilter, OverrideForm
from .models import DormancyRule

PAGE_SIZE = 50


class ExactCountPaginator(Paginator):
    """A paginator given its exact count (the scan's stored counts, or one GROUP BY): no COUNT query of its own.
    A page past the end is the last page, numbered as such (Paginator.get_page); a page is read by
    selectors.dormant_page (keys first, from the nearer end)."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.exact_count = count

    @cached_property
    def count(self):
        return self.exact_count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        rows = selectors.dormant_page(self.object_list, count=self.count, bottom=bottom, top=top)
        return self._get_page(rows, number, self)


def _dormant_filter(request):
    """The list's filters as the list shows them (a rep's default: his own customers); the export shares it."""
    return DormantFilter(request.GET, user=request.user)


@require_GET
@permission_required("dormancy.view")
def dormant_list(request):
    dormant_filter = _dormant_filter(request)
    run = selectors.last_scan()
    tabs, total = dormant_filter.counts(run=run)
    page = ExactCountPaginator(dormant_filter.qs, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    context = {
        "filter": dormant_filter, "page": page, "tabs": tabs, "rows": selectors.dormant_page_rows(page.object_list),
        "sort": dormant_filter.sort, "headers": selectors.sort_headers(dormant_filter.sort),
        "as_of": run.as_of if run else None, "has_scanned": run is not None,
        "may_export": can(request.user, "customers.export"),
    }
    template = "dormancy/_dormant_table.html" if request.htmx else "dormancy/dormant_list.html"
    return render(request, template, context)


@require_GET
@permission_required("dormancy.view")
def dormant_export(request):
    require(request.user, "customers.export")
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        file_format = "csv"
    dormant_filter = _dormant_filter(request)
    export = export_write(by=request.user, kind="dormant_customers", file_format=file_format, via="web",
                          queryset=selectors.customers_of(dormant_filter.qs), filters=dormant_filter.summary(),
                          codes=request.GET.get("headers") == "codes")
    return FileResponse(export.stream, as_attachment=True, filename=export.filename, content_type=export.content_type)


@permission_required("dormancy.configure")
def rules(request):
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        override = services.rule_override_create(
            code=form.cleaned_data["code"], tag=form.cleaned_data["tag"], industry=form.cleaned_data["industry"],
            by=request.user,
        )
        messages.success(request, _("Override added: adjust it and check the preview before saving."))
        return redirect("dormancy:rule_edit", pk=override.pk)
    context = {
        "groups": selectors.rules_by_code(), "form": form, "as_of": selectors.last_scan_as_of(),
        "ranking": ranking.ranking_overview(), "history": selectors.rule_history(limit=20),
    }
    return render(request, "dormancy/rules.html", context, status=400 if form.errors else 200)


@permission_required("dormancy.configure")
def rule_edit(request, pk):
    rule = get_object_or_404(DormancyRule.objects.select_related("tag"), pk=pk)
    form = DormancyRuleForm(request.POST or None, instance=rule)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "save" in request.POST:
            services.rule_update(rule=form.save(commit=False), by=request.user)
            messages.success(request, _("Rule saved. The next scan applies it."))
            return redirect("dormancy:rules")
        preview = services.rules_preview(changed_rule=form.save(commit=False))
    context = {"rule": rule, "form": form, "preview": preview, "history": selectors.rule_history(rule=rule)}
    if request.htmx and request.method == "POST":
        return render(request, "dormancy/_rule_preview.html", context, status=200 if form.is_valid() else 400)
    return render(request, "dormancy/rule_edit.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required("dormancy.configure")
def rule_delete(request, pk):
    rule = get_object_or_404(DormancyRule, pk=pk)
    if rule.is_default:
        messages.error(request, _("A default rule cannot be deleted; switch it off instead."))
    else:
        services.rule_override_delete(rule=rule, by=request.user)
        messages.success(request, _("Override deleted."))
    return redirect("dormancy:rules")


@permission_required("dormancy.configure")
def runs(request):
    if request.method == "POST":
        require(request.user, "dormancy.run")
        services.scan_request(by=request.user)
        messages.success(request, _("Scan started. Its result appears in the log below."))
        return redirect("dormancy:runs")
    context = {
        "runs": selectors.scan_runs(), "fit": selectors.latest_fit(),
        "may_run": can(request.user, "dormancy.run"),
        # The model's raw parameters mean something to an administrator only; the manager reads it in words.
        "shows_model_parameters": request.user.is_admin_role,
    }
    return render(request, "dormancy/runs.html", context)
