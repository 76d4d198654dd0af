"""The list maintainer's worklists: which live records are stale, incomplete or inconsistent.

Each built-in list is a condition on the live customers (not merged, not retired). Their counts: ONE aggregate
(COUNT … FILTER per list) for the lists that are plain conditions on the customer row, one COUNT each for the three
that need a subquery (open review flags, no recent touchpoint, no active contact: a hash anti-join there), one per
registered source (customers.worklist: apps above customers add e.g. "suggestions from reps waiting"). A list's rows
are one paginated query.
"""
import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import normalize
from customers.models import Contact, Customer, ReviewFlag, Touchpoint
from customers.worklist import worklist_source, worklist_sources

from .postal import expected_prefecture

DEFAULT_STALE_MONTHS = 24
NO_TOUCHPOINT_DAYS = 365
# A syntactically valid address whose domain is a known misspelling still never arrives.
MISTYPED_EMAIL_DOMAINS = (
    "gmail.co", "gmial.com", "gmai.com", "gmail.con", "gmail.cm", "yahoo.co.j", "yahoo.co.jo", "yaho.co.jp",
    "yahoo.cojp", "docomo.ne.j", "docomo.ne.jo", "ezweb.ne.j", "softbank.ne.j", "hotmail.co", "outlook.co",
    "icloud.co", "example.co",
)
VALID_EMAIL_RE = r"^[^@ ]+@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
PREFECTURE_AT_START_RE = "^(" + "|".join(normalize.PREFECTURES) + ")"


def live_customers():
    """The records the worklists look at: not merged into another, not retired."""
    return Customer.objects.filter(merged_into__isnull=True).exclude(lifecycle=Customer.Lifecycle.RETIRED)


@dataclass(frozen=True)
class WorklistParams:
    months: int = DEFAULT_STALE_MONTHS
    now: datetime.datetime | None = None

    @property
    def at(self):
        return self.now or timezone.now()


def _stale(p):
    return Q(updated_at__lt=p.at - relativedelta(months=p.months))


def _status_unknown(p):
    # A customer (not a prospect) without a dormancy verdict: never scanned, or bought nothing we know of.
    return Q(lifecycle=Customer.Lifecycle.CUSTOMER, dormancy__isnull=True)


# Correlated EXISTS, not `id NOT IN (SELECT …)`: inside COUNT … FILTER PostgreSQL can only hash an IN-subquery
# that fits in work_mem, and otherwise rescans it for every customer (quadratic); an EXISTS is one index probe each.


def _missing_contact(p):
    active = Contact.objects.filter(customer_id=OuterRef("pk"), is_active=True)
    return Q(kind=Customer.Kind.COMPANY) & ~Q(Exists(active))


def _no_touchpoint(p):
    recent = Touchpoint.objects.filter(customer_id=OuterRef("pk"),
                                       occurred_at__gte=p.at - datetime.timedelta(days=NO_TOUCHPOINT_DAYS))
    return ~Q(Exists(recent))


def _postal_mismatch(p):
    # `expected_prefecture` is an alias the queryset gets from with_expected_prefecture().
    postal = ~Q(postal_key="") & ~Q(prefecture="") & ~Q(expected_prefecture="") & ~Q(expected_prefecture=F("prefecture"))
    address = Q(address__regex=PREFECTURE_AT_START_RE) & ~Q(prefecture="") & ~Q(address__startswith=F("prefecture"))
    return postal | address


def _email_invalid(p):
    mistyped = Q()
    for domain in MISTYPED_EMAIL_DOMAINS:
        mistyped |= Q(email_key__endswith=f"@{domain}")
    return ~Q(email_key="") & (~Q(email_key__regex=VALID_EMAIL_RE) | mistyped)


def _review(p):
    return Q(Exists(ReviewFlag.objects.filter(customer_id=OuterRef("pk"), resolved_at__isnull=True)))


@dataclass(frozen=True)
class Worklist:
    key: str
    label: str
    condition: object  # (WorklistParams) -> Q
    group: str
    # Counted by a query of its own: a subquery in WHERE becomes a hash (anti-)join, while inside the shared
    # COUNT … FILTER it would run once per customer (2–20× slower at 200,000 customers).
    own_query: bool = False


BUILTIN_WORKLISTS = [
    Worklist("review", _("Marked for review by a rule"), _review, "rules", own_query=True),
    Worklist("stale", _("Not updated in N months"), _stale, "stale"),
    Worklist("status_unknown", _("Customer without a dormancy status"), _status_unknown, "stale"),
    Worklist("no_touchpoint", _("No touchpoint in 12 months"), _no_touchpoint, "stale", own_query=True),
    Worklist("missing_phone", _("No phone number"), lambda p: Q(phone_key="", mobile_key=""), "missing"),
    Worklist("missing_contact", _("Company without a contact person"), _missing_contact, "missing", own_query=True),
    Worklist("missing_email", _("No e-mail address"), lambda p: Q(email_key=""), "missing"),
    Worklist("missing_address", _("No address"), lambda p: Q(address="") | Q(prefecture=""), "missing"),
    Worklist("postal_mismatch", _("Postal code or address does not match the prefecture"), _postal_mismatch,
             "inconsistent"),
    Worklist("email_invalid", _("E-mail domain invalid"), _email_invalid, "inconsistent"),
]
WORKLISTS = {w.key: w for w in BUILTIN_WORKLISTS}
GROUP_LABELS = {
    "rules": _("Rules"), "stale": _("Stale"), "missing": _("Missing data"), "inconsistent": _("Inconsistent data"),
    "sources": _("Reported"),
}
SOURCE_PREFIX = "source:"


def with_expected_prefecture(queryset):
    return queryset.alias(expected_prefecture=expected_prefecture())


def without_jit():
    """Inside a transaction: no JIT compilation for its statements (PostgreSQL). One pass over the customers with
    many FILTER expressions costs more to compile than to run (2× at 200,000 customers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', 'off', true)")


@transaction.atomic
def worklist_counts(*, base=None, params=None):
    """[{key, label, group, count}] of every list over `base` (default: all live customers): one aggregate for the
    built-in lists without a subquery, one count for each with one, one count per registered source."""
    params = params or WorklistParams()
    base = live_customers() if base is None else base
    without_jit()
    shared = [w for w in BUILTIN_WORKLISTS if not w.own_query]
    counts = with_expected_prefecture(base.order_by()).aggregate(
        **{w.key: Count("pk", filter=w.condition(params)) for w in shared})
    for w in BUILTIN_WORKLISTS:
        if w.own_query:
            counts[w.key] = base.order_by().filter(w.condition(params)).count()
    rows = [{"key": w.key, "label": w.label, "group": w.group, "count": counts[w.key]} for w in BUILTIN_WORKLISTS]
    for source in worklist_sources():
        rows.append({"key": SOURCE_PREFIX + source.key, "label": source.label, "group": "sources",
                     "count": source.count_fn()})
    return rows


def worklist_queryset(key, *, base=None, params=None):
    """The customers on list `key` (a built-in key or "source:<registered key>"), as an unevaluated QuerySet.
    Raises KeyError for an unknown list."""
    params = params or WorklistParams()
    base = live_customers() if base is None else base
    if key.startswith(SOURCE_PREFIX):
        source = worklist_source(key[len(SOURCE_PREFIX):])
        if source is None:
            raise KeyError(key)
        return base.filter(pk__in=source.queryset_fn().values("pk"))
    return with_expected_prefecture(base).filter(WORKLISTS[key].condition(params))


def worklist_label(key):
    if key.startswith(SOURCE_PREFIX):
        source = worklist_source(key[len(SOURCE_PREFIX):])
        return source.label if source else key
    return WORKLISTS[key].label
