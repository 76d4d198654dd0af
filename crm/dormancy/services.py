"""Changes to the engine: the manager's rules (with a preview of their effect) and manual scans; the scan's own
restoring of missing default rules.

The functions a user calls check crm.permissions themselves (dormancy.configure, dormancy.run), on the rule as
stored: a caller's instance can change a rule's parameters, never which rule it is.
"""
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm import sql
from crm.permissions import require

from . import rules as rule_sql
from .models import ConfirmedReason, CustomerDormancy, DormancyRule, DormancyStatus
from .selectors import last_scan_as_of

# The reasons a rule's history records: stored in English as data, shown in the reader's language (apps.py registers
# the words with customers.maintenance.history).
RESTORED_REASON = "default restored by the scan"
RULES_PAGE_REASON = "rules page"
HISTORY_REASON_WORDS = {
    RESTORED_REASON: gettext_lazy("Default rule restored by the scan"),
    RULES_PAGE_REASON: gettext_lazy("Changed on the dormancy rules page"),
}


@transaction.atomic
def default_rules_restore():
    """Create the default rule of every code that has none, with the product's values; returns those created.

    Called by the scan's first step (under its lock), never by a page: the migration wrote the defaults and the
    manager only edits them, so a missing one means the table was emptied by hand.
    """
    missing = rule_sql.missing_default_rules(DormancyRule.objects.filter(tag=None, industry=""))
    for rule in missing:  # at most one per code
        rule._change_reason = RESTORED_REASON
        rule.save()
    return missing


# What a manager may change on a rule; the segment (code, tag, industry) is fixed once the rule exists.
RULE_PARAMETERS = ("is_enabled", "days", "ratio_percent", "amount_yen", "months_required", "multiplier",
                   "min_purchase_days", "is_targeted")


@transaction.atomic
def rule_update(*, rule, by):
    """Copy the parameters of a rule the form has validated onto the stored rule; returns the stored rule.

    Its history records who changed what.
    """
    require(by, "dormancy.configure")
    stored = DormancyRule.objects.select_for_update().get(pk=rule.pk)
    for name in RULE_PARAMETERS:
        setattr(stored, name, getattr(rule, name))
    stored.updated_by = by
    stored._change_reason = RULES_PAGE_REASON
    stored._history_user = by  # also outside a request, where no middleware names the user
    stored.save()
    return stored


@transaction.atomic
def rule_override_create(*, code, tag=None, industry="", by):
    """A segment override starting from the default rule's parameters."""
    require(by, "dormancy.configure")
    default = DormancyRule.objects.filter(code=code, tag=None, industry="").first()
    override = DormancyRule(code=code, tag=tag, industry=industry if tag is None else "", updated_by=by)
    if default is not None:
        for name in RULE_PARAMETERS:
            setattr(override, name, getattr(default, name))
    override._change_reason = RULES_PAGE_REASON
    override._history_user = by
    override.save()
    return override


@transaction.atomic
def rule_override_delete(*, rule, by):
    """Delete a segment override; the default rule of a code (as stored, whatever the instance says) stays."""
    require(by, "dormancy.configure")
    stored = DormancyRule.objects.select_for_update().get(pk=rule.pk)
    if stored.is_default:
        raise ValueError("the default rule of a code cannot be deleted")
    stored.updated_by = by
    stored._change_reason = RULES_PAGE_REASON
    stored._history_user = by
    stored.delete()


def rules_preview(*, changed_rule, as_of=None):
    """How saving `changed_rule` (unsaved edits) would move customers: [{from, to, count}], largest first.

    Compared with the current statuses at the last scan's date, so only the rule change moves anyone.
    """
    as_of = as_of or last_scan_as_of() or timezone.localdate()
    stored = rule_sql.load_rules()
    # A default missing from the table is previewed as the scan will run it: put back with the product's values.
    rules = [r for r in stored + rule_sql.missing_default_rules(stored) if r.pk is None or r.pk != changed_rule.pk]
    rules.append(changed_rule)
    select, params = rule_sql.classify_sql(rules=rules, as_of=as_of)
    current = sql.table(CustomerDormancy)
    rows = sql.fetch_all(
        f"SELECT COALESCE(cur.status, ''), n.status, COUNT(*) FROM ({select}) n "  # noqa: S608 - fragments; values are parameters
        f"LEFT JOIN {current} cur ON cur.customer_id = n.customer_id "
        "WHERE (cur.customer_id IS NULL AND n.status <> %s) OR cur.status <> n.status GROUP BY 1, 2",
        [*params, DormancyStatus.PROSPECT.value],
    )
    labels = dict(DormancyStatus.choices)
    moves = [
        {"from": old, "to": new, "from_label": labels.get(old, "—"), "to_label": labels.get(new, new), "count": n}
        for old, new, n in rows
    ]
    return {"as_of": as_of, "moves": sorted(moves, key=lambda m: -m["count"])}


def scan_request(*, by, as_of=None):
    """Queue a scan (after commit, so the worker sees this transaction); runs inline without a broker."""
    from . import tasks

    require(by, "dormancy.run")
    as_of_text = (as_of or timezone.localdate()).isoformat()
    triggered_by = f"user:{by.get_username()}"
    transaction.on_commit(lambda: tasks.scan_dormancy_nightly.delay(as_of=as_of_text, triggered_by=triggered_by))


def parse_as_of(text):
    return datetime.date.fromisoformat(text) if text else None


@transaction.atomic
def confirmed_reason_record(*, customer, reason, by, source, note="", now=None):
    """Record why the customer stopped buying, as they told us; it replaces an earlier confirmed reason.

    `by` is the rep or office user who heard it (checked like editing the customer: a rep for his own accounts).
    Only the customer's own feedback form, reached by a signed link its view has verified, passes by=None.
    """
    if by is None and source != ConfirmedReason.Source.FEEDBACK:
        raise ValueError("only the customer's feedback form records a reason without a user")
    if by is not None:
        require(by, "dormancy.confirm_reason", customer)
    if reason not in ConfirmedReason.Reason.values:
        raise ValueError(f"unknown reason {reason!r}")
    inferred = (CustomerDormancy.objects.filter(customer_id=customer.pk).values_list("reason", flat=True).first()
                or "")
    confirmed, _created = ConfirmedReason.objects.update_or_create(
        customer_id=customer.pk,
        defaults={"reason": reason, "note": note, "source": source, "inferred_reason": inferred,
                  "confirmed_at": now or timezone.now(), "confirmed_by": by},
    )
    return confirmed


# What the deletion request's page calls each count erase_customer returns.
ERASURE_LABELS = {"confirmed_reason_notes_blanked": gettext_lazy("Notes on confirmed dormancy reasons blanked: "
                                                                 "%(count)s")}


def erase_customer(*, customer, request):
    """A personal-data deletion request: the note of what the customer told us is blanked, here and in its history
    (the reason itself stays: it is a category, and the dashboard's comparison needs it)."""
    from customers.maintenance.deletion import ERASED_TEXT

    blanked = ConfirmedReason.objects.filter(customer=customer).update(note=ERASED_TEXT)
    ConfirmedReason.history.filter(customer_id=customer.pk).update(note=ERASED_TEXT)
    return {"confirmed_reason_notes_blanked": blanked}
