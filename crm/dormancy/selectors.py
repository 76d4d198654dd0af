"""Reads for the dormancy screens: the dormant list (rows, exact counts, sorts), the card's panel, the rules and the
run log.

The dormant list is read from CustomerDormancy alone (the scan's figures are stored there), and every sort key has
a partial index over the listed statuses (models._list_index), so a page is a range scan that stops after a page.
Filters on the customer (rep, tag, industry, key account, name) select the customers first and are checked against
that set while the index is walked, never a join per row walked; a page is read as its keys first, then its rows
(a deep page skips keys, not joined rows), and a page in the second half of the list from the end backwards.
"""
import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, Sum, When
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Purchase, Tag
from customers.selectors import history_entries

from . import priority, ranking, reasons
from .models import (
    LISTED_STATUSES,
    CustomerDormancy,
    DormancyRule,
    DormancyStatus,
    ModelFit,
    RuleCode,
    ScanRun,
    StatusChange,
)

TARGET_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK]
LIST_STATUSES = list(LISTED_STATUSES)
TIMELINE_LENGTH = 20
LIST_RELATED = ("customer", "customer__assigned_rep", "applied_rule")
PRODUCTS_BOUGHT_LESS = 3  # per customer on the card; the list shows two


# ---------------------------------------------------------------- the dormant list


@dataclass(frozen=True)
class Sort:
    """A sort of the dormant list in its natural direction (the first click on the column); `-key` reverses it.

    `key` is the indexed expression and `descending` its direction in the index: the natural order is the index
    read forwards, the reverse the index read backwards (customer_id breaks ties both ways). `shown_descending`:
    whether the column, as displayed, reads from high to low in the natural order (for aria-sort and the arrow).
    """

    name: str
    key: object
    descending: bool
    shown_descending: bool
    label: str
    reverse_label: str


SORTS = {
    s.name: s
    for s in (
        Sort("priority", F("priority_score"), True, True, _("Priority, highest first"), _("Priority, lowest first")),
        Sort("last_purchase", F("days_since_last_purchase"), False, True, _("Last purchase, most recent first"),
             _("Last purchase, oldest first")),
        Sort("spend", F("total_amount"), True, True, _("Past spend, largest first"), _("Past spend, smallest first")),
        Sort("days", F("dormant_since"), False, True, _("Days dormant, longest first"),
             _("Days dormant, shortest first")),
        Sort("change", F("amount_last_12m") - F("amount_prev_12m"), False, False,
             _("12-month change, largest drop first"), _("12-month change, largest rise first")),
    )
}
DEFAULT_SORT = "priority"


def sort_headers(current):
    """{name: {"value": the sort a click on the column asks for, "aria": aria-sort of the column}}: a click on the
    sorted column reverses it, on another column sorts by it in its natural direction."""
    headers = {}
    for name, spec in SORTS.items():
        if current.lstrip("-") == name:
            forwards = not current.startswith("-")
            descending = spec.shown_descending == forwards
            headers[name] = {"value": f"-{name}" if forwards else name,
                             "aria": "descending" if descending else "ascending"}
        else:
            headers[name] = {"value": name, "aria": "none"}
    return headers


def sort_choices():
    """[(value, label)] for the sort menu: each sort and its reverse (`-name`)."""
    return [choice for s in SORTS.values() for choice in ((s.name, s.label), (f"-{s.name}", s.reverse_label))]


def _ordering(sort):
    name = sort.lstrip("-")
    spec = SORTS.get(name) or SORTS[DEFAULT_SORT]
    forwards = not sort.startswith("-")
    descending = spec.descending == forwards
    # NULLs where PostgreSQL's index keeps them (last ascending, first descending), on SQLite too. Excluded
    # customers, when shown, stand where their score puts them (they keep it: what they would have ranked).
    key = spec.key.desc(nulls_first=True) if descending else spec.key.asc(nulls_last=True)
    return [key, "customer_id" if forwards else "-customer_id"]


def dormant_scope(*, reason="", rep=None, tag=None, industry="", key_accounts=False, q=""):
    """The listed customers (dormant, at risk, lost) narrowed by the list's filters other than status.

    The customer filters become one set of customer ids (`customer_id IN (SELECT …)`: the rep's customers through
    their index, hashed once), not a join that looks up the customer of every row the sort index meets.
    """
    queryset = CustomerDormancy.objects.filter(status__in=LIST_STATUSES)
    if reason:
        queryset = queryset.filter(reason=reason)
    customers = Customer.objects.all()
    if rep is not None:
        customers = customers.filter(assigned_rep=rep)
    if tag is not None:
        customers = customers.filter(tags=tag)
    if industry:
        customers = customers.filter(industry=industry)
    if key_accounts:
        customers = customers.filter(is_key_account=True)
    q = (q or "").strip()
    if q:
        customers = customers.filter(Q(name__icontains=q) | Q(code__iexact=q))
    if customers.query.where:
        queryset = queryset.filter(customer_id__in=customers.values("pk"))
    return queryset


def dormant_rows(scope, *, statuses, with_excluded, sort=DEFAULT_SORT):
    """The list's rows in `scope`: `statuses`, the excluded ones only `with_excluded`, in the order of `sort`."""
    queryset = scope.filter(status__in=statuses)
    if not with_excluded:
        queryset = queryset.filter(is_excluded=False)
    return queryset.select_related(*LIST_RELATED).order_by(*_ordering(sort))


def dormant_customers():
    """Dormant and at-risk targets, by priority (the list's default rows): for the export and other readers."""
    return dormant_rows(dormant_scope(), statuses=TARGET_STATUSES, with_excluded=False)


def customers_of(dormancy_queryset):
    """The same rows as a Customer queryset in the same order, for the customer export's row builder."""
    return Customer.objects.filter(pk__in=dormancy_queryset.values("customer_id")).order_by(
        "dormancy__is_excluded", F("dormancy__priority_score").desc(nulls_last=True), "pk"
    )


@dataclass(frozen=True)
class StatusCount:
    targets: int = 0
    excluded: int = 0

    @property
    def all(self):
        return self.targets + self.excluded


def last_scan():
    """The last successful scan: its date is the list's, and its counts describe the table it wrote."""
    return ScanRun.objects.filter(outcome=ScanRun.Outcome.SUCCEEDED).order_by("-started_at", "-pk").first()


def dormant_counts(scope=None, *, run=None):
    """{status: StatusCount} for the listed statuses, exact.

    Without filters (`scope` None) they are the last scan's stored counts: the scan wrote the table in the same
    transaction, and only a customer deleted since then can make them one off until the next night. With filters,
    or without a scan that stored them, one GROUP BY over the filtered rows.
    """
    if scope is None and run is not None and "excluded" in run.counts:
        statuses, excluded = run.counts.get("statuses", {}), run.counts["excluded"]
        return {
            s: StatusCount(targets=statuses.get(s, 0) - excluded.get(s, 0), excluded=excluded.get(s, 0))
            for s in LIST_STATUSES
        }
    scope = dormant_scope() if scope is None else scope
    rows = scope.order_by().values_list("status", "is_excluded").annotate(n=Count("pk"))
    found = {}
    for status, is_excluded, n in rows:
        found.setdefault(status, {})[bool(is_excluded)] = n
    return {
        s: StatusCount(targets=found.get(s, {}).get(False, 0), excluded=found.get(s, {}).get(True, 0))
        for s in LIST_STATUSES
    }


def products_bought_less(customer_ids, *, as_of, limit=PRODUCTS_BOUGHT_LESS):
    """{customer_id: [(product name, yen lost)]}: the products whose 12-month amount fell most against the year
    before (windows as the scan's: as_of−364 … as_of and the 365 days before). One query for a page of customers,
    through the (customer, purchased_on) index."""
    if not customer_ids or as_of is None:
        return {}
    last_from = as_of - datetime.timedelta(days=364)
    prev_from = as_of - datetime.timedelta(days=729)
    rows = (
        Purchase.objects.filter(
            customer_id__in=customer_ids, purchased_on__gte=prev_from, purchased_on__lte=as_of, product__isnull=False
        )
        .values("customer_id", "product__name")
        .annotate(
            last=Sum(Case(When(purchased_on__gte=last_from, then=F("amount")), default=0)),
            previous=Sum(Case(When(purchased_on__lt=last_from, then=F("amount")), default=0)),
        )
        .order_by()
    )
    fell = {}
    for row in rows:
        lost = row["previous"] - row["last"]
        if lost > 0:
            fell.setdefault(row["customer_id"], []).append((row["product__name"], lost))
    return {c: sorted(items, key=lambda item: (-item[1], item[0]))[:limit] for c, items in fell.items()}


def dormant_page(rows, *, count, bottom, top):
    """Rows bottom…top of the ordered list `rows` (dormant_rows) whose exact `count` is known: the keys first (a
    deep page skips keys, not joined rows), from the end backwards when the page is nearer the end; then the rows
    of those keys with what the page shows."""
    keys = rows.values_list("pk", flat=True)
    if bottom > count - top:
        keys = list(keys.reverse()[max(count - top, 0):count - bottom])[::-1]
    else:
        keys = list(keys[bottom:top])
    found = CustomerDormancy.objects.select_related(*LIST_RELATED).in_bulk(keys)
    return [found[k] for k in keys if k in found]


def dormant_page_rows(dormancies):
    """The rows of one page with what each shows: status with its rule, why and what to do (crm.dormancy.reasons),
    the exclusion, and for customers who buy less the products they buy less of (one query for the page)."""
    dormancies = list(dormancies)
    buying_less = [d.customer_id for d in dormancies if d.is_buying_less]
    fell = products_bought_less(buying_less, as_of=dormancies[0].as_of, limit=2) if buying_less else {}
    return [
        {
            "d": d,
            "advice": reasons.advice_for(d, products=fell.get(d.customer_id, ())),
            "exclusion": priority.EXCLUSION_LABELS.get(d.exclusion_reason, ""),
            "days_dormant": (d.as_of - d.dormant_since).days if d.dormant_since else None,
        }
        for d in dormancies
    ]


# ---------------------------------------------------------------- the card


def customer_dormancy_panel(customer, user=None):
    """What the card's dormancy panel shows for one customer (the same for every reader: `user` is unused).

    Registered as a panel of the customer card (apps.DormancyConfig.ready); the card's view calls it.
    `is_prominent`: the card shows the panel at its top (a dormant or at-risk customer: the rep calls about it).
    """
    dormancy = (
        CustomerDormancy.objects.select_related("applied_rule", "applied_rule__tag",
                                                "customer__confirmed_dormancy_reason__confirmed_by")
        .filter(customer_id=customer.pk)
        .first()
    )
    # What the customer told us overrides the scan's inference: its approach is the one to follow.
    confirmed = getattr(dormancy.customer, "confirmed_dormancy_reason", None) if dormancy else None
    timeline = list(StatusChange.objects.filter(customer_id=customer.pk).order_by("-as_of", "-pk")[:TIMELINE_LENGTH])
    products = []
    if dormancy is not None and dormancy.is_buying_less:
        products = products_bought_less([customer.pk], as_of=dormancy.as_of).get(customer.pk, [])
    return {
        "customer": customer,
        "dormancy": dormancy,
        "timeline": timeline,
        "is_prominent": dormancy is not None and dormancy.status in TARGET_STATUSES,
        "advice": reasons.advice_for(dormancy, products=products) if dormancy else None,
        "approach": reasons.approach_for(dormancy.reason) if dormancy else "",
        "confirmed": confirmed,
        "confirmed_approach": reasons.approach_for(confirmed.reason) if confirmed else "",
        "explanation": reasons.EXPLANATIONS.get(dormancy.reason, "") if dormancy else "",
        "exclusion_label": priority.EXCLUSION_LABELS.get(dormancy.exclusion_reason, "") if dormancy else "",
        "rank": ranking.rank_explanation(dormancy, customer),  # why this rank: the model's largest factors, or the rule's
    }


# ---------------------------------------------------------------- rules and runs


def rule_history(*, rule=None, limit=50):
    """Who changed which dormancy rule when, newest first: one rule's (its page), or every rule's, deleted overrides
    included (the rules page). Two queries (the history with its users, the tags named)."""
    records = DormancyRule.history.select_related("history_user").order_by("-history_date", "-history_id")
    if rule is not None:
        records = records.filter(id=rule.pk)
    records = list(records[:200])
    tags = dict(Tag.objects.filter(pk__in={r.tag_id for r in records if r.tag_id}).values_list("pk", "name"))

    def label(record):
        if record.tag_id:
            segment = _("tag: %(name)s") % {"name": tags.get(record.tag_id, "—")}
        elif record.industry:
            segment = _("industry: %(name)s") % {"name": record.industry}
        else:
            segment = _("all customers")
        return f"{record.get_code_display()} ({segment})"

    entries = history_entries(records, DormancyRule, label, {}, hidden={"id", "updated_by"})
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:limit]


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
    run = last_scan()
    return run.as_of if run else None
