"""The maintainer's duplicate review queue: the stored candidates of the last find_duplicates run, best first.
Accept leads to the merge wizard (the merge service does the work), reject is remembered for good."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.pagination import CappedPaginator
from crm.permissions import require
from customers.models import DuplicateCandidate

from . import services
from .scoring import reason_text

PAGE_SIZE = 25
MERGE_WIZARD_URL = "customers:merge_wizard"  # the merge wizard's page (customers.maintenance)


def queue_candidates():
    """Stored candidates still worth a look: neither record merged away since the run. Best first."""
    return (
        DuplicateCandidate.objects.filter(customer_a__merged_into__isnull=True, customer_b__merged_into__isnull=True)
        .select_related("customer_a", "customer_b")
        .order_by("-score", "customer_a__code", "customer_b__code")
    )


def merge_wizard_url(candidate):
    """The merge wizard for this pair (the older record, by id, offered as the survivor)."""
    query = urlencode({"survivor": candidate.customer_a_id, "duplicate": candidate.customer_b_id})
    return f"{reverse(MERGE_WIZARD_URL)}?{query}"


@require_GET
def duplicate_queue(request):
    require(request.user, "customers.merge")
    paginator = CappedPaginator(queue_candidates(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for candidate in page.object_list:
        candidate.reason_texts = [reason_text(reason) for reason in candidate.reasons]
    last_run = DuplicateCandidate.objects.order_by("-found_at").values_list("found_at", flat=True).first()
    return render(request, "customers/duplicates/queue.html", {"page": page, "paginator": paginator,
                                                               "last_run": last_run})  # fmt: skip


@require_POST
def duplicate_search(request):
    require(request.user, "customers.merge")
    services.duplicates_refresh_request(by=request.user)
    messages.info(request, _("The duplicate search is running. Reload this page in a minute to see its pairs."))
    return redirect("customers:duplicate_queue")


def _candidate(pk):
    return get_object_or_404(DuplicateCandidate.objects.select_related("customer_a", "customer_b"), pk=pk)


@require_POST
def duplicate_reject(request, pk):
    require(request.user, "customers.merge")
    candidate = _candidate(pk)
    services.duplicate_pair_reject(a=candidate.customer_a, b=candidate.customer_b, by=request.user)
    messages.success(request, _("%(a)s and %(b)s will not be proposed again.") % {
        "a": candidate.customer_a.code, "b": candidate.customer_b.code})  # fmt: skip
    return redirect(_back(request))


@require_POST
def duplicate_accept(request, pk):
    """On to the merge wizard to choose the surviving record and values. Nothing is recorded here: a wizard left
    without merging leaves the pair in the queue, a merge takes it out (one record is merged away)."""
    require(request.user, "customers.merge")
    candidate = _candidate(pk)
    if candidate.customer_a.merged_into_id or candidate.customer_b.merged_into_id:
        raise Http404  # one of them was merged since the run: the pair is gone
    return redirect(merge_wizard_url(candidate))


def _back(request):
    page = request.POST.get("page", "")
    url = reverse("customers:duplicate_queue")
    return f"{url}?{urlencode({'page': page})}" if page.isdigit() else url
