"""Delivery screens: a step's outbox and letter batches (office), the hot-lead list (everyone), and the public
endpoints a recipient reaches from a message (unsubscribe, click redirect, open pixel): no session, signed tokens.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.permissions import can, permission_required, require
from customers.models import Customer

from ..models import CampaignStep, LetterBatch, OutboxMessage
from . import hot_leads as hot_lead_selectors
from . import letters, tracking

LETTERS, HOT_LEADS = "campaigns.letters", "campaigns.hot_leads"
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
         b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


# --- a step's delivery (office) --------------------------------------------------------------------------------

@require_GET
@permission_required(LETTERS)
def step_delivery(request, pk):
    step = get_object_or_404(CampaignStep.objects.select_related("campaign"), pk=pk)
    states = dict(step.outbox.order_by().values_list("state").annotate(n=Count("pk")))
    outbox = [(label, states.get(value, 0)) for value, label in OutboxMessage.State.choices]
    batches = step.letter_batches.annotate(items_count=Count("items")).order_by("-created_at")
    return render(request, "campaigns/delivery/step.html", {"step": step, "outbox": outbox, "batches": batches})


@permission_required(LETTERS)
def batch_detail(request, pk):
    batch = get_object_or_404(LetterBatch.objects.select_related("step__campaign"), pk=pk)
    if request.method == "POST":
        try:
            letters.letter_batch_render_start(
                batch=batch, by=request.user, label_layout=int(request.POST.get("label_layout") or 12),
                include_staff_profile=bool(request.POST.get("include_staff_profile")))
        except (ValidationError, ValueError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("campaigns:delivery:batch", pk=batch.pk)
    return render(request, "campaigns/delivery/batch.html", {
        "batch": batch, "items_count": batch.items.count(), "areas": letters.postal_areas(batch),
        "undeliverable": letters.undeliverable(batch), "problem_labels": letters.PROBLEM_LABELS,
        "layouts": LetterBatch.LabelLayout.choices,
    })


@require_GET
@permission_required(LETTERS)
def batch_progress(request, pk):
    """The progress fragment the batch page polls while the PDF renders (htmx)."""
    batch = get_object_or_404(LetterBatch, pk=pk)
    response = render(request, "campaigns/delivery/_batch_progress.html", {"batch": batch})
    if batch.state != LetterBatch.State.RENDERING:
        response["HX-Refresh"] = "true"  # done: reload the page for the download and posting buttons
    return response


@require_GET
@permission_required(LETTERS)
def batch_download(request, pk):
    batch = get_object_or_404(LetterBatch, pk=pk)
    require(request.user, LETTERS, batch)
    if batch.state not in (LetterBatch.State.READY, LetterBatch.State.POSTED) or not batch.file:
        raise Http404
    return FileResponse(default_storage.open(batch.file.name, "rb"), as_attachment=True,
                        filename=f"letters-{batch.step.campaign_id}-{batch.step.position}-{batch.pk}.pdf",
                        content_type="application/pdf")


@require_POST
@permission_required(LETTERS)
def batch_posted(request, pk):
    batch = get_object_or_404(LetterBatch, pk=pk)
    try:
        recorded = letters.letter_batch_mark_posted(batch=batch, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked posted: %(n)s contacts recorded.") % {"n": recorded})
    return redirect("campaigns:delivery:batch", pk=batch.pk)


# --- hot leads (everyone) --------------------------------------------------------------------------------------

@permission_required(HOT_LEADS)
def hot_leads(request):
    mine = request.GET.get("all") != "1" and request.user.is_sales_rep
    if request.method == "POST":
        customer = get_object_or_404(Customer, pk=request.POST.get("customer"))
        _task, created = hot_lead_selectors.hot_lead_call_task_create(customer=customer, by=request.user)
        if created:
            messages.success(request, _("Phone task created for %(name)s.") % {"name": customer.name})
        else:
            messages.info(request, _("%(name)s already has an open task; it is due today now.") % {
                "name": customer.name})
        return redirect(request.get_full_path())
    rows = hot_lead_selectors.hot_leads(rep=request.user if mine else None)
    for row in rows:
        row["may_call"] = can(request.user, "customers.edit", row["customer"])
    return render(request, "campaigns/delivery/hot_leads.html", {"rows": rows, "mine": mine,
                                                                  "days": hot_lead_selectors.DEFAULT_DAYS})


# --- public endpoints (from a message; no session) -------------------------------------------------------------

@login_not_required
@csrf_exempt  # RFC 8058: the mail client POSTs with no cookie and no token; the signed URL is the credential
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        message = tracking.message_for_unsubscribe(token)
    except tracking.InvalidToken:
        return render(request, "campaigns/delivery/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        tracking.unsubscribe(token=token, how=tracking.How.ONE_CLICK if one_click else tracking.How.PAGE)
        if one_click:
            return HttpResponse(_("You have been unsubscribed."), content_type="text/plain; charset=utf-8")
        return render(request, "campaigns/delivery/unsubscribe.html", {"done": True, "message": message})
    # GET only shows the button: mail scanners open links on their own, and must not unsubscribe anybody.
    return render(request, "campaigns/delivery/unsubscribe.html", {"message": message, "token": token})


@login_not_required
@never_cache
@require_GET
def click(request, token):
    try:
        url = tracking.click_record(token=token)
    except tracking.InvalidToken:
        return HttpResponseBadRequest(_("This link is not valid."), content_type="text/plain; charset=utf-8")
    return HttpResponseRedirect(url)


@login_not_required
@never_cache
@require_GET
def open_pixel(request, token):
    tracking.open_record(token=token)
    return HttpResponse(PIXEL, content_type="image/gif")
