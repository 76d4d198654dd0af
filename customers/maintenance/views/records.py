"""Retirement from the card, the review rules, and personal-data deletion requests."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.pagination import CappedPaginator
from crm.permissions import require
from customers.maintenance.deletion import (
    DeletionError,
    deletion_request_execute,
    deletion_request_receive,
    deletion_request_reject,
    erasure_log_lines,
)
from customers.maintenance.forms import DeletionRequestForm, RetireForm, ReviewRuleForm
from customers.maintenance.retire import RetirementError, customer_retire, customer_unretire
from customers.models import Customer, DeletionRequest, ReviewRule


@require_POST
def retire(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    require(request.user, "customers.retire", customer)
    form = RetireForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        customer_retire(customer=customer, by=request.user, reason=reason)
    except RetirementError:
        messages.info(request, _("%(customer)s was already retired.") % {"customer": customer})
    else:
        messages.success(request, _("%(customer)s is retired: kept with its history, left out of campaigns and the "
                                    "customer list.") % {"customer": customer})
    return redirect(customer)


@require_POST
def unretire(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    require(request.user, "customers.retire", customer)
    try:
        customer_unretire(customer=customer, by=request.user, reason=request.POST.get("reason", "")[:300])
    except RetirementError:
        messages.info(request, _("%(customer)s is not retired.") % {"customer": customer})
    else:
        messages.success(request, _("%(customer)s is back on the list.") % {"customer": customer})
    return redirect(customer)


def rules(request):
    require(request.user, "customers.retire")
    form = ReviewRuleForm(request.POST or None)
    if request.method == "POST":
        toggle = request.POST.get("toggle")
        if toggle:
            rule = get_object_or_404(ReviewRule, pk=toggle)
            ReviewRule.objects.filter(pk=rule.pk).update(is_active=not rule.is_active)
            return redirect("customers:review_rules")
        if form.is_valid():
            form.save()
            messages.success(request, _("Rule saved."))
            return redirect("customers:review_rules")
    rows = ReviewRule.objects.order_by("name")
    return render(request, "customers/maintenance/rules.html", {"rules": rows, "form": form})


@require_GET
def deletion_list(request):
    require(request.user, "customers.erase")
    requests = DeletionRequest.objects.select_related("received_by", "executed_by").order_by("-received_at", "-pk")
    paginator = CappedPaginator(requests, 25)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "customers/maintenance/deletion_list.html", {"page": page, "paginator": paginator})


def deletion_new(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    require(request.user, "customers.erase")
    form = DeletionRequestForm(request.POST or None, initial={"requested_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deletion = deletion_request_receive(customer=customer, requested_by=data["requested_by"],
                                            requested_on=data["requested_on"], channel=data["channel"],
                                            note=data["note"], by=request.user)
        messages.success(request, _("Deletion request recorded. Nothing is erased until it is executed."))
        return redirect("customers:deletion_detail", pk=deletion.pk)
    return render(request, "customers/maintenance/deletion_form.html", {"customer": customer, "form": form})


def deletion_detail(request, pk):
    require(request.user, "customers.erase")
    deletion = get_object_or_404(DeletionRequest.objects.select_related("customer", "received_by", "executed_by"),
                                 pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "execute":
                deletion_request_execute(request=deletion, by=request.user)
                messages.success(request, _("The personal data was erased."))
            elif request.POST.get("action") == "reject":
                deletion_request_reject(request=deletion, by=request.user, note=request.POST.get("note", ""))
                messages.info(request, _("The request was rejected."))
        except DeletionError as error:
            messages.error(request, str(error))
        return redirect("customers:deletion_detail", pk=deletion.pk)
    return render(request, "customers/maintenance/deletion_detail.html",
                  {"deletion": deletion, "log_lines": erasure_log_lines(deletion.log)})
