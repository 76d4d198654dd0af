"""Set-based history rows for bulk changes: one INSERT … SELECT writes the django-simple-history row of every
customer a bulk action changed, as a per-row save() would, without a Python loop over the customers; and the words
the card shows for the reasons list maintenance writes into history rows.

The reasons are stored in English, as written (a history row's reason is data, read by whoever opens the card later, in
their own language): reason_display translates the ones the services write when they are shown. Apps above customers
(visits, dormancy) add the reasons their services write with register_history_reason from their AppConfig.ready()."""
# ruff: noqa: S608 - SQL here is assembled from model table and column names; values are always parameters.
import re

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.sql import execute, table
from customers.models import Customer

HISTORY_META_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def write_customer_history(*, customer_ids_sql, params, by, reason, history_type="~"):
    """Append a history row (as the customers are now) for the customers the subquery selects.

    `customer_ids_sql` is a SELECT of customer ids with `%s` placeholders for `params` (e.g. the compiled SQL of
    a queryset's values("pk")). Call it after the UPDATE, inside the same transaction.
    """
    historical = Customer.history.model
    qn = connection.ops.quote_name
    columns = [f.column for f in historical._meta.concrete_fields if f.name not in HISTORY_META_FIELDS]
    meta = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    sql = (
        f"INSERT INTO {table(historical)} ({', '.join(qn(c) for c in columns + meta)}) "
        f"SELECT {', '.join(qn(c) for c in columns)}, %s, %s, %s, %s FROM {table(Customer)} "
        f"WHERE {qn('id')} IN ({customer_ids_sql})"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return execute(sql, [now, (reason or "")[:100], history_type, getattr(by, "pk", None), *params])


def queryset_ids_sql(queryset):
    """(sql, params) of a customer queryset's ids, for write_customer_history."""
    return queryset.values("pk").query.sql_with_params()


# The reasons the list-maintenance services write (merge, undo, erasure, retirement, bulk actions) -> their words;
# register_history_reason adds those of other apps. Anything else (a reason a maintainer typed) is shown as it is.
SERVICE_REASONS = [
    (re.compile(r"merge: absorbed (?P<code>.+)"), _("Merge: absorbed %(code)s")),
    (re.compile(r"merge: merged into (?P<code>.+)"), _("Merge: merged into %(code)s")),
    (re.compile(r"merge #(?P<pk>\d+) undone"), _("Merge #%(pk)s undone")),
    (re.compile(r"personal data erased \(request #(?P<pk>\d+)\)"), _("Personal data erased (deletion request #%(pk)s)")),
    (re.compile(r"retired"), _("Retired")),
    (re.compile(r"brought back"), _("Brought back onto the list")),
    (re.compile(r"bulk: rep assigned"), _("Rep assigned (bulk action)")),
    (re.compile(r"bulk: tag (?P<tag>.+)"), _("Tag %(tag)s added (bulk action)")),
    (re.compile(r"import"), _("Customer import")),
    (re.compile(r"import (?P<file>.+)"), _("Customer import from %(file)s")),
]


def register_history_reason(pattern, words):
    """Name a reason an app's services write into history rows: `pattern` is a regular expression the whole stored
    reason matches, `words` a lazy translation (filled from the pattern's named groups)."""
    compiled = re.compile(pattern)
    if all(known.pattern != compiled.pattern for known, _words in SERVICE_REASONS):  # ready() may run twice
        SERVICE_REASONS.append((compiled, words))


def reason_display(reason):
    """What a page shows for a history row's or a retirement's reason, in the reader's language."""
    for pattern, words in SERVICE_REASONS:
        match = pattern.fullmatch(reason or "")
        if match:
            return words % match.groupdict() if match.groupdict() else str(words)
    return reason
