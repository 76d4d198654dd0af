"""List, card, create/edit and the navbar's phone look-up."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.pagination import CappedPaginator
from crm.permissions import can, require
from customers import normalize, selectors, services
from customers.duplicates.lookups import known_for_phone, similar_customers
from customers.filters import CustomerFilter
from customers.forms import ContactForm, CustomerForm, TouchpointForm
from customers.inquiry.selectors import unverified_inquiries_for
from customers.models import Customer
from customers.panels import card_panels

PAGE_SIZE = 25


@require_GET
def customer_list(request):
    require(request.user, "customers.view")
    customer_filter = CustomerFilter(request.GET or None, queryset=selectors.customer_list())
    paginator = CappedPaginator(customer_filter.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": customer_filter,
        "page": page,
        "paginator": paginator,
        "may_export": can(request.user, "customers.export"),
        "export_query": request.GET.urlencode(),
    }
    template = "customers/partials/customer_table.html" if request.htmx else "customers/customer_list.html"
    return render(request, template, context)


def card_context(customer, user):
    return {
        "customer": customer,
        "dormancy": selectors.one_to_one_or_none(customer, "dormancy"),
        "summary": selectors.one_to_one_or_none(customer, "purchase_summary"),
        "contacts": selectors.customer_contacts(customer),
        "touchpoints": selectors.customer_touchpoints(customer),
        # Panels of the apps above customers (dormancy …), their data read here: see customers/panels.py.
        "panels": card_panels(customer=customer, user=user),
        "unverified_inquiries": unverified_inquiries_for(customer),
        "history": selectors.customer_history(customer),
        "may_edit": can(user, "customers.edit", customer),
        "touchpoint_form": TouchpointForm(),
        "contact_form": ContactForm(),
    }


@require_GET
def customer_detail(request, pk):
    require(request.user, "customers.view")
    try:
        customer = selectors.customer_for_card(pk)
    except Customer.DoesNotExist:
        raise Http404 from None
    if customer.merged_into_id:
        messages.info(request, _("This record was merged into %(customer)s.") % {"customer": customer.merged_into})
    return render(request, "customers/customer_detail.html", card_context(customer, request.user))


def customer_create(request):
    require(request.user, "customers.create")
    initial = {}
    if request.method == "GET":
        # "Not found — register as prospect?" from the phone look-up carries the number over.
        phone = request.GET.get("phone", "")
        if phone:
            initial["phone"] = normalize.format_phone(phone)
        initial["lifecycle"] = Customer.Lifecycle.PROSPECT
    form = CustomerForm(request.POST or None, initial=initial, user=request.user)
    similar = []
    # "Did you mean …?" before a duplicate is created (customers.duplicates); saving anyway is a second press.
    if request.method == "POST" and form.is_valid() and not request.POST.get("confirm_new"):
        similar = similar_customers(form.cleaned_data)
    if request.method == "POST" and form.is_valid() and not similar:
        customer = services.customer_create(
            customer=form.save(commit=False), by=request.user, tags=form.cleaned_data.get("tags")
        )
        messages.success(request, _("Registered %(customer)s.") % {"customer": customer})
        return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None, "similar": similar})


def customer_edit(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    require(request.user, "customers.edit", customer)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.customer_update(customer=form.save(commit=False), by=request.user, tags=form.cleaned_data.get("tags"))
        messages.success(request, _("Saved %(customer)s.") % {"customer": customer})
        return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@require_GET
def phone_lookup(request):
    """One match: straight to the card. Several: a short choice list. None: offer to register a prospect."""
    require(request.user, "customers.view")
    phone = request.GET.get("phone", "").strip()
    customers = selectors.customers_for_phone(phone) if phone else []
    if len(customers) == 1:
        return redirect(customers[0])
    if phone and not customers:
        # Before "register as prospect?": anyone the duplicate engine knows by this number (a contact's line, +81 …).
        customers = [customer for customer, _score, _reasons in known_for_phone(phone)]
    context = {
        "phone": phone,
        "display_phone": normalize.format_phone(phone) if phone else "",
        "customers": customers,
        "create_url": reverse("customers:create") + "?" + urlencode({"phone": phone}),
        "may_create": can(request.user, "customers.create"),
    }
    return render(request, "customers/phone_lookup.html", context)
