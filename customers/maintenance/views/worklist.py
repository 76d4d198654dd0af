"""The maintainer's worklist page: the lists with their counts, the chosen list's records with their completeness,
and the bulk actions (assign rep, add tag, retire, keep)."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.pagination import CappedPaginator
from crm.permissions import can, require
from customers.maintenance.bulk import customers_add_tag_bulk, customers_assign_rep_bulk
from customers.maintenance.completeness import completeness_expression
from customers.maintenance.forms import BulkActionForm, WorklistFilterForm
from customers.maintenance.retire import customers_retire_bulk
from customers.maintenance.rules import review_flags_resolve, review_rules_evaluate
from customers.maintenance.tally import worklist_page_counts
from customers.maintenance.worklists import (
    GROUP_LABELS,
    WorklistParams,
    live_customers,
    worklist_label,
    worklist_queryset,
)
from customers.models import Customer

PAGE_SIZE = 25
DEFAULT_LIST = "review"


def _list_queryset(request, key):
    filters = WorklistFilterForm(request.GET or None)
    base = filters.filter(live_customers())
    params = WorklistParams(months=filters.stale_months())
    try:
        return filters, base, params, worklist_queryset(key, base=base, params=params)
    except KeyError:
        raise Http404 from None


@require_GET
def worklist(request):
    require(request.user, "customers.merge")
    key = request.GET.get("list", DEFAULT_LIST)
    filters, base, params, queryset = _list_queryset(request, key)
    rows = queryset.select_related("assigned_rep").annotate(completeness=completeness_expression()).order_by("code")
    paginator = CappedPaginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # The open list's count is the paginator's, live; the other badges come from the nightly tally.
    counts = worklist_page_counts(base=base, params=params, scope=filters.tally_scope(),
                                  opened=(key, paginator.count, paginator.is_capped))
    groups = {}
    for row in counts["lists"]:
        groups.setdefault(row["group"], []).append(row)
    context = {
        "key": key,
        "label": worklist_label(key),
        "groups": [{"key": g, "label": GROUP_LABELS.get(g, g), "lists": lists} for g, lists in groups.items()],
        "filters": filters,
        "page": page,
        "paginator": paginator,
        "completeness": counts["completeness"],
        "counts_taken_at": counts["taken_at"],
        "bulk_form": BulkActionForm(initial={"scope": "selected"}),
        "may_retire": can(request.user, "customers.retire"),
    }
    return render(request, "customers/maintenance/worklist.html", context)


@require_POST
def worklist_bulk(request):
    require(request.user, "customers.merge")
    key = request.GET.get("list", DEFAULT_LIST)
    _filters, _base, _params, queryset = _list_queryset(request, key)
    form = BulkActionForm(request.POST)
    back = f"{reverse('customers:worklist')}?{request.GET.urlencode()}"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    chosen = queryset if data["scope"] == "all" else queryset.filter(pk__in=data["ids"])
    chosen = Customer.objects.filter(pk__in=chosen.order_by().values("pk"))
    action = data["action"]
    if action == "assign_rep":
        n = customers_assign_rep_bulk(queryset=chosen, rep=data["rep"], by=request.user)
        messages.success(request, _("Rep assigned to %(n)d records.") % {"n": n})
    elif action == "add_tag":
        n = customers_add_tag_bulk(queryset=chosen, tag=data["tag"], by=request.user)
        messages.success(request, _("Tag added to %(n)d records.") % {"n": n})
    elif action == "retire":
        n = chosen.count()  # before: the list is of live records, which retiring them empties
        review_flags_resolve(queryset=chosen, resolution="retired", by=request.user, reason=data["reason"])
        customers_retire_bulk(queryset=chosen, by=request.user, reason=data["reason"])
        messages.success(request, _("%(n)d records retired.") % {"n": n})
    else:
        n = review_flags_resolve(queryset=chosen, resolution="kept", by=request.user)
        messages.success(request, _("%(n)d review flags closed.") % {"n": n})
    return redirect(back)


@require_POST
def rules_evaluate(request):
    require(request.user, "customers.retire")
    flagged = review_rules_evaluate()
    messages.success(request, _("%(n)d records marked for review.") % {"n": sum(flagged.values())})
    return redirect(f"{reverse('customers:worklist')}?list=review")
