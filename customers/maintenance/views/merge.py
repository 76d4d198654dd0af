"""The merge wizard: choose the duplicate (from the card's "merge with…" or the duplicate queue's accept), pick the
surviving record and, field by field, the value to keep; then the merge's page, with its undo."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crm.pagination import CappedPaginator
from crm.permissions import require
from customers import selectors
from customers.maintenance import merge_rules
from customers.maintenance.merge import (
    CONSENT_CHANNELS,
    DUPLICATE,
    MERGEABLE_FIELDS,
    SURVIVOR,
    MergeError,
    customer_merge,
    customer_merge_undo,
    default_choices,
    merged_consent,
)
from customers.models import Customer, CustomerMerge

PICK_LIMIT = 20
CHANNEL_LABELS = {"email": gettext_lazy("E-mail"), "dm": gettext_lazy("DM"), "phone": gettext_lazy("Phone")}


def _live(pk):
    try:
        return Customer.objects.select_related("assigned_rep").get(pk=int(pk), merged_into__isnull=True)
    except (Customer.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def _display(customer, name):
    field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if field.choices:
        return getattr(customer, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "" if value is None else str(value)


def field_rows(survivor, duplicate, choices):
    rows = []
    for name in MERGEABLE_FIELDS:
        mine, theirs = _display(survivor, name), _display(duplicate, name)
        rows.append({"name": name, "label": Customer._meta.get_field(name).verbose_name, "survivor": mine,
                     "duplicate": theirs, "same": mine == theirs, "choice": choices.get(name, SURVIVOR)})
    return rows


def consent_rows(survivor, duplicate):
    rows = []
    for channel in CONSENT_CHANNELS:
        flag, at, how = merged_consent(survivor, duplicate, channel)
        rows.append({"channel": CHANNEL_LABELS[channel], "survivor": getattr(survivor, f"has_{channel}_consent"),
                     "duplicate": getattr(duplicate, f"has_{channel}_consent"), "merged": flag, "at": at, "how": how})
    return rows


def relation_counts(duplicate):
    """What moves with the duplicate: [{label, count, strategy}] of the non-empty relations."""
    counts = []
    for model, field in merge_rules.customer_relations():
        strategy = merge_rules.rule_for(model, field)
        if strategy in (None, merge_rules.KEEP) or model is Customer or model.__name__.startswith("Historical"):
            continue
        n = model._base_manager.filter(**{field.attname: duplicate.pk}).count()
        if n:
            counts.append({"label": merge_rules.relation_label(model), "count": n, "strategy": strategy})
    return counts


def merge_wizard(request):
    require(request.user, "customers.merge")
    survivor_id = request.GET.get("survivor") or request.POST.get("survivor")
    duplicate_id = request.GET.get("duplicate") or request.POST.get("duplicate")
    if not survivor_id:
        raise Http404
    survivor = _live(survivor_id)
    if not duplicate_id:
        return _pick_duplicate(request, survivor)
    duplicate = _live(duplicate_id)
    if request.method == "POST":
        chosen = {name: request.POST.get(f"choice_{name}", SURVIVOR) for name in MERGEABLE_FIELDS}
        chosen = {name: side if side in (SURVIVOR, DUPLICATE) else SURVIVOR for name, side in chosen.items()}
        try:
            merge = customer_merge(survivor=survivor, duplicate=duplicate, chosen_fields=chosen, by=request.user)
        except MergeError as error:
            messages.error(request, _("The records could not be merged: %(reason)s") % {"reason": error})
        else:
            messages.success(request, _("Merged %(duplicate)s into %(survivor)s.") % {
                "duplicate": duplicate.code, "survivor": survivor.code})  # fmt: skip
            return redirect("customers:merge_detail", pk=merge.pk)
    wizard = reverse("customers:merge_wizard")
    context = {
        "survivor": survivor,
        "duplicate": duplicate,
        "rows": field_rows(survivor, duplicate, default_choices(survivor, duplicate)),
        "consent": consent_rows(survivor, duplicate),
        "moves": relation_counts(duplicate),
        "swap_url": f"{wizard}?{urlencode({'survivor': duplicate.pk, 'duplicate': survivor.pk})}",
    }
    return render(request, "customers/maintenance/merge_wizard.html", context)


def _pick_duplicate(request, survivor):
    query = request.GET.get("q", "").strip()
    candidates = []
    if query:
        live = Customer.objects.filter(merged_into__isnull=True).exclude(pk=survivor.pk)
        candidates = list(selectors.customer_search(live, query).order_by("code")[:PICK_LIMIT])
    return render(request, "customers/maintenance/merge_pick.html",
                  {"survivor": survivor, "query": query, "candidates": candidates})


@require_GET
def merge_detail(request, pk):
    require(request.user, "customers.merge")
    merge = get_object_or_404(CustomerMerge.objects.select_related("survivor", "duplicate", "merged_by", "undone_by"),
                              pk=pk)
    moved = [{"label": merge_rules.relation_label(entry["model"]), "moved": len(entry["moved"]), "removed": len(entry["removed"]),
              "strategy": entry["strategy"]} for entry in merge.snapshot.get("relations", [])]
    return render(request, "customers/maintenance/merge_detail.html",
                  {"merge": merge, "moved": moved, "may_undo": merge.state == CustomerMerge.State.DONE and bool(
                      merge.snapshot)})


@require_POST
def merge_undo(request, pk):
    require(request.user, "customers.merge")
    merge = get_object_or_404(CustomerMerge, pk=pk)
    try:
        customer_merge_undo(merge=merge, by=request.user)
    except MergeError as error:
        messages.error(request, _("The merge could not be undone: %(reason)s") % {"reason": error})
    else:
        messages.success(request, _("The merge was undone: both records are as they were before it."))
    return redirect("customers:merge_detail", pk=merge.pk)


@require_GET
def merge_list(request):
    require(request.user, "customers.merge")
    merges = CustomerMerge.objects.select_related("survivor", "duplicate", "merged_by").order_by("-merged_at", "-pk")
    paginator = CappedPaginator(merges, 25)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "customers/maintenance/merge_list.html", {"page": page, "paginator": paginator})
