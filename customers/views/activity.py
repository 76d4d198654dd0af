"""What colleagues add to a customer card: touchpoints (anyone) and contacts (whoever may edit the customer)."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import require
from customers import selectors, services
from customers.forms import ContactForm, TouchpointForm
from customers.models import Contact, Customer


@require_POST
def touchpoint_add(request, pk):
    require(request.user, "touchpoints.add")
    customer = get_object_or_404(Customer, pk=pk)
    form = TouchpointForm(request.POST)
    if form.is_valid():
        services.touchpoint_add(customer=customer, by=request.user, **form.cleaned_data)
        form = TouchpointForm()
        saved = True
    else:
        saved = False
    if request.htmx:
        context = {"customer": customer, "touchpoints": selectors.customer_touchpoints(customer),
                   "touchpoint_form": form, "saved": saved}  # fmt: skip
        # 200 even when invalid: HTMX swaps only successful responses, and the form shows its own errors.
        return render(request, "customers/partials/touchpoints.html", context)
    if saved:
        messages.success(request, _("Touchpoint added."))
    else:
        messages.error(request, _("The touchpoint was not saved: %(errors)s") % {
            "errors": " ".join(str(e) for errors in form.errors.values() for e in errors)})
    return redirect(customer)


def _contact_form_page(request, customer, form, contact=None):
    return render(request, "customers/contact_form.html", {"customer": customer, "form": form, "contact": contact})


def contact_add(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    require(request.user, "customers.edit", customer)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.customer = customer
        services.contact_save(contact=contact, by=request.user)
        messages.success(request, _("Contact %(name)s added.") % {"name": contact.name})
        return redirect(customer)
    return _contact_form_page(request, customer, form)


def contact_edit(request, pk, contact_pk):
    contact = get_object_or_404(Contact.objects.select_related("customer"), pk=contact_pk, customer_id=pk)
    require(request.user, "customers.edit", contact.customer)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.contact_save(contact=form.save(commit=False), by=request.user)
        messages.success(request, _("Contact %(name)s saved.") % {"name": contact.name})
        return redirect(contact.customer)
    return _contact_form_page(request, contact.customer, form, contact)
