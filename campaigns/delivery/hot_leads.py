"""Hot leads: customers who clicked a link in a campaign e-mail. A click shows real interest, so the list is for
the reps, each with a one-click phone task."""
from datetime import timedelta

from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import require
from customers.models import Customer

from ..models import EmailClick

DEFAULT_DAYS = 30


def hot_leads(*, days=DEFAULT_DAYS, rep=None, now=None):
    """Customers with a click in the last `days` days, latest click first (one row per customer), retired ones
    left out; `rep`: only that rep's accounts."""
    from visits.models import VisitTask

    since = (now or timezone.now()) - timedelta(days=days)
    rows = (EmailClick.objects.filter(clicked_at__gte=since)
            .exclude(customer__lifecycle=Customer.Lifecycle.RETIRED)
            .values("customer_id")
            .annotate(last_click=Max("clicked_at"), clicks=Count("pk"))
            .order_by("-last_click"))
    if rep is not None:
        rows = rows.filter(customer__assigned_rep=rep)
    rows = list(rows[:500])
    ids = [row["customer_id"] for row in rows]
    by_id = Customer.objects.filter(pk__in=ids).select_related("assigned_rep").annotate(
        has_open_call=Exists(VisitTask.objects.filter(customer_id=OuterRef("pk"), kind=VisitTask.Kind.PHONE,
                                                      state=VisitTask.State.OPEN))).in_bulk()
    latest = {}
    for click in (EmailClick.objects.filter(customer_id__in=ids, clicked_at__gte=since)
                  .select_related("campaign").order_by("customer_id", "-clicked_at")):
        latest.setdefault(click.customer_id, click)
    return [{"customer": by_id[row["customer_id"]], "last_click": row["last_click"], "clicks": row["clicks"],
             "click": latest.get(row["customer_id"])} for row in rows if row["customer_id"] in by_id]


def hot_lead_call_task_create(*, customer, by, now=None):
    """A phone task for a customer who clicked: for the customer's rep (or the user when it has none), due today.
    An open reactivation task of the customer is brought forward instead. Returns (task, created)."""
    from visits import services as visit_services
    from visits.models import Purpose, VisitTask

    require(by, "campaigns.hot_leads")
    stored = Customer.objects.select_related("assigned_rep").get(pk=customer.pk)
    require(by, "customers.edit", stored)  # his own accounts for a rep; any for the office
    today = timezone.localdate(now)
    note = _("Clicked a link in a campaign e-mail: call while the interest is fresh.")
    return visit_services.visit_task_request(customer=stored, kind=VisitTask.Kind.PHONE,
                                             purpose=Purpose.REACTIVATION, due_on=today,
                                             source=VisitTask.Source.CAMPAIGN, note=note, by=by)
