"""Reads of the customer list: search, phone look-up, the customer card, and the export rows.

Views, the export command, the benchmark and the dormancy engine's export all go through these
functions so that what is measured is what is served.

Search strategy (see the indexes in migrations 0002+): text of 3+ characters matches anywhere in
the normalized name/kana keys (pg_trgm GIN on PostgreSQL); 1–2 characters match the start of the
keys (a trigram index cannot help with fewer than three characters, a pattern-ops B-tree can).
Phone-like input matches the digits-only phone keys, exactly or as a prefix, contacts included.
"""
import re

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.text import capfirst

from customers import customer_columns, normalize
from customers.maintenance.history import reason_display
from customers.models import Contact, Customer, Touchpoint

# Input made only of digits and the punctuation people put in phone numbers is a phone search.
_PHONE_LIKE_RE = re.compile(r"^[\d\s\-‐‑‒–—―−ｰ－()（）+＋.]+$")
MIN_PHONE_DIGITS = 3
SHORT_QUERY_LENGTH = 3
CONTACT_MATCH_LIMIT = 500  # ids pulled from contacts per query; a phone prefix matching more is not a look-up


def is_phone_like(text):
    text = normalize.nfkc(text).strip()
    return bool(text) and bool(_PHONE_LIKE_RE.match(text)) and len(normalize.digits(text)) >= MIN_PHONE_DIGITS


def _key_match(field, key):
    """contains for 3+ characters (trigram index), startswith below (pattern-ops index)."""
    lookup = "contains" if len(key) >= SHORT_QUERY_LENGTH else "startswith"
    return Q(**{f"{field}__{lookup}": key})


def _contact_customer_ids(condition):
    # Fetched first, then used as a literal list: an OR with a subquery would make PostgreSQL scan every
    # customer, while `id IN (…)` joins the other index conditions in one bitmap OR.
    return list(
        Contact.objects.filter(condition).values_list("customer_id", flat=True).distinct()[:CONTACT_MATCH_LIMIT]
    )


def _phone_condition(digits, *, prefix):
    lookup = "startswith" if prefix else "exact"
    customer_q = Q()
    for field in ("phone_key", "mobile_key", "fax_key"):
        customer_q |= Q(**{f"{field}__{lookup}": digits})
    contact_ids = _contact_customer_ids(Q(**{f"phone_key__{lookup}": digits}) | Q(**{f"mobile_key__{lookup}": digits}))
    if contact_ids:
        customer_q |= Q(pk__in=contact_ids)
    return customer_q


def customer_search_condition(query):
    """A Q matching code, name, kana or phone for one search-box input; None for an empty input."""
    text = normalize.clean_text(query)
    if not text:
        return None
    code = text.upper()
    if is_phone_like(text):
        digits = normalize.digits(text)
        return _phone_condition(digits, prefix=True) | Q(code__startswith=code)
    condition = Q(code__startswith=code)
    name = normalize.name_key(text)
    folded = normalize.search_key(text)
    for key in {name, folded} - {""}:
        condition |= _key_match("name_key", key)
    kana = normalize.kana_key(text)
    for key in {kana, folded} - {""}:
        condition |= _key_match("kana_key", key)
    return condition


def customer_search(queryset, query):
    condition = customer_search_condition(query)
    return queryset if condition is None else queryset.filter(condition)


def customer_list(*, query="", ordering=("code",)):
    """Base queryset of the list page (filters are applied by customers.filters.CustomerFilter)."""
    queryset = Customer.objects.filter(merged_into__isnull=True).select_related(
        "assigned_rep", "dormancy", "purchase_summary"
    )
    return customer_search(queryset, query).order_by(*ordering)


def customers_for_phone(phone, *, limit=20):
    """Customers whose (or whose contacts') phone matches: exact digits first, then as a prefix."""
    digits = normalize.phone_key(phone) or normalize.digits(phone)
    if len(digits) < MIN_PHONE_DIGITS:
        return []
    base = Customer.objects.filter(merged_into__isnull=True).select_related("assigned_rep").order_by("code")
    exact = list(base.filter(_phone_condition(digits, prefix=False))[:limit])
    if exact:
        return exact
    return list(base.filter(_phone_condition(digits, prefix=True))[:limit])


def customer_for_card(pk):
    """The customer with everything its card shows in one row (rep, dormancy, purchase summary)."""
    return (
        Customer.objects.select_related("assigned_rep", "created_by", "dormancy", "purchase_summary", "merged_into")
        .prefetch_related("tags")
        .get(pk=pk)
    )


def one_to_one_or_none(customer, name):
    """customer.dormancy / customer.purchase_summary, or None when no row exists yet."""
    try:
        return getattr(customer, name)
    except AttributeError:  # RelatedObjectDoesNotExist subclasses AttributeError
        return None


def customer_touchpoints(customer, *, limit=50):
    return list(Touchpoint.objects.filter(customer=customer).select_related("author").order_by("-occurred_at", "-pk")[:limit])


def customer_contacts(customer):
    return list(Contact.objects.filter(customer=customer))


# --- change history -------------------------------------------------------------------------------------------

_HIDDEN_HISTORY_FIELDS = {"id", "name_key", "kana_key", "phone_key", "mobile_key", "fax_key", "email_key", "postal_key"}


def _field_label(model, name):
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:  # a field removed since the record was written
        return name


def _display(model, name, value, users):
    if value in (None, ""):
        return ""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if field.is_relation and name == "assigned_rep":
        return str(users.get(value, value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    return str(value)


def history_entries(records, model, label_for, users, *, hidden=_HIDDEN_HISTORY_FIELDS):
    """simple-history records → [{at, user, type, subject, changes, reason}] in date order, each change a field's
    old and new value as shown (choices, yes/no, the rep's name); a change of hidden fields only is left out."""
    entries = []
    previous_by_object = {}
    # Oldest first so each record can be diffed against the one before it.
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        previous = previous_by_object.get(record.id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                if change.field in hidden:
                    continue
                changes.append(
                    {
                        "field": _field_label(model, change.field),
                        "old": _display(model, change.field, change.old, users),
                        "new": _display(model, change.field, change.new, users),
                    }
                )
        previous_by_object[record.id] = record
        if record.history_type == "~" and not changes:
            continue
        entries.append(
            {
                "at": record.history_date,
                "user": record.history_user,
                "type": record.history_type,
                "subject": label_for(record),
                "changes": changes,
                "reason": reason_display(record.history_change_reason or ""),
            }
        )
    return entries


def customer_history(customer, *, limit=50):
    """Who changed which field when, on the customer and its contacts, newest first (3 queries)."""
    from django.contrib.auth import get_user_model

    customer_records = list(customer.history.select_related("history_user").order_by("-history_date")[:200])
    contact_records = list(
        Contact.history.filter(customer_id=customer.pk).select_related("history_user").order_by("-history_date")[:200]
    )
    rep_ids = {r.assigned_rep_id for r in customer_records if r.assigned_rep_id}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=rep_ids)} if rep_ids else {}
    entries = history_entries(customer_records, Customer, lambda r: "", users)
    entries += history_entries(contact_records, Contact, lambda r: r.name, users)
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]


# --- export ---------------------------------------------------------------------------------------------------

EXPORT_COLUMNS = list(customer_columns.CODES)  # the import's columns too: an export can be imported again


def _iso(value):
    return value.isoformat() if value else ""


def _number(value):
    return "" if value is None else value


def _choice_labels(choices, *, codes):
    """value -> what the export writes: the value itself, or its label in the active language."""
    return {value: value if codes else str(label) for value, label in choices}


def customer_export_rows(queryset, *, chunk_size=2000, codes=True):
    """Rows in EXPORT_COLUMNS order for any customer queryset (the list's, or the dormant list's).

    With codes, kind, lifecycle, source and dormancy status are their codes (company, customer, …); otherwise
    their labels in the active language (法人, 顧客, 稼働中, …), which the import maps back. Dormancy and purchase
    columns are empty while those rows do not exist. Values are plain: formula neutralization is the writer's
    job (customers.tabular).
    """
    from crm.choices import DormancyStatus

    kinds = _choice_labels(Customer.Kind.choices, codes=codes)
    lifecycles = _choice_labels(Customer.Lifecycle.choices, codes=codes)
    sources = _choice_labels(Customer.Source.choices, codes=codes)
    statuses = _choice_labels(DormancyStatus.choices, codes=codes)
    queryset = queryset.select_related("assigned_rep", "dormancy", "purchase_summary")
    for customer in queryset.iterator(chunk_size=chunk_size):
        dormancy = one_to_one_or_none(customer, "dormancy")
        summary = one_to_one_or_none(customer, "purchase_summary")
        address = f"{customer.prefecture}{customer.address}"
        yield [
            customer.code,
            customer.name,
            customer.name_kana,
            kinds.get(customer.kind, customer.kind),
            lifecycles.get(customer.lifecycle, customer.lifecycle),
            str(customer.assigned_rep) if customer.assigned_rep else "",
            customer.phone,
            customer.email,
            customer.postal_code,
            address,
            _number(customer.fiscal_year_end_month),
            sources.get(customer.source, customer.source),
            statuses.get(dormancy.status, dormancy.status) if dormancy else "",
            _iso(summary.last_purchase_on) if summary else "",
            _number(dormancy.days_since_last_purchase) if dormancy else "",
            _iso(dormancy.dormant_since) if dormancy else "",
            dormancy.rule if dormancy else "",
            dormancy.reason if dormancy else "",
            _number(dormancy.priority_score) if dormancy else "",
            _number(dormancy.p_alive) if dormancy else "",
            _number(dormancy.expected_purchases_90d) if dormancy else "",
            _iso(dormancy.next_expected_purchase_on) if dormancy else "",
        ]
