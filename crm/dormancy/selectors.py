"""Reads for the dormancy screens: the dormant list, the card's panel, the rules and the run log."""
from django.db.models import F

from customers.models import Customer

from . import priority, ranking, reasons
from .models import CustomerDormancy, DormancyRule, DormancyStatus, ModelFit, RuleCode, ScanRun, StatusChange

TARGET_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK]
LIST_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST]
TIMELINE_LENGTH = 20


def dormant_customers():
    """Dormant, at-risk and lost customers, targets first, by priority: the list and its export share this."""
    return (
        CustomerDormancy.objects.filter(status__in=LIST_STATUSES)
        .select_related("customer", "customer__assigned_rep", "customer__purchase_summary", "applied_rule")
        .order_by("is_excluded", F("priority_score").desc(nulls_last=True), "customer_id")
    )


def customers_of(dormancy_queryset):
    """The same rows as a Customer queryset in the same order, for the customer export's row builder."""
    return Customer.objects.filter(pk__in=dormancy_queryset.values("customer_id")).order_by(
        "dormancy__is_excluded", F("dormancy__priority_score").desc(nulls_last=True), "pk"
    )


def customer_dormancy_panel(customer, user=None):
    """What the card's dormancy panel shows for one customer (the same for every reader: `user` is unused).

    Registered as a panel of the customer card (apps.DormancyConfig.ready); the card's view calls it.
    """
    dormancy = (
        CustomerDormancy.objects.select_related("applied_rule", "applied_rule__tag")
        .filter(customer_id=customer.pk)
        .first()
    )
    timeline = list(StatusChange.objects.filter(customer_id=customer.pk).order_by("-as_of", "-pk")[:TIMELINE_LENGTH])
    return {
        "customer": customer,
        "dormancy": dormancy,
        "timeline": timeline,
        "approach": reasons.approach_for(dormancy.reason) if dormancy else "",
        "explanation": reasons.EXPLANATIONS.get(dormancy.reason, "") if dormancy else "",
        "exclusion_label": priority.EXCLUSION_LABELS.get(dormancy.exclusion_reason, "") if dormancy else "",
        "rank": ranking.rank_explanation(dormancy, customer),  # why this rank: the model's largest factors, or the rule's
    }


def rules_by_code():
    """[(code, label, default rule or None, [overrides])] in the order of precedence.

    A default missing from the table (emptied by hand) shows as None: the next scan puts it back
    (services.default_rules_restore), a page view never writes.
    """
    rules = list(DormancyRule.objects.select_related("tag", "updated_by").order_by("pk"))
    grouped = []
    for code in RuleCode:
        mine = [r for r in rules if r.code == code]
        default = next((r for r in mine if r.is_default), None)
        grouped.append((code, code.label, default, [r for r in mine if not r.is_default]))
    return grouped


def scan_runs(limit=50):
    return ScanRun.objects.order_by("-started_at", "-pk")[:limit]


def latest_fit():
    return ModelFit.objects.order_by("-fitted_on").first()


def last_scan_as_of():
    run = ScanRun.objects.filter(outcome=ScanRun.Outcome.SUCCEEDED).order_by("-started_at", "-pk").first()
    return run.as_of if run else None
