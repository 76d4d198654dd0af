"""How a merge treats each kind of row that points at a customer.

Every foreign key or one-to-one to Customer (found from Customer._meta, hidden relations and history tables
included) must be classified here: customers.tests.test_merge_classification fails when a model added later is
not, so nobody's rows are silently left behind on a merged record.

    MOVE       the duplicate's rows are re-pointed at the survivor. Where a unique constraint over the customer
               would collide (campaign target per campaign, open review flag per rule, tag per customer …) the
               survivor's row is kept and the duplicate's is removed; the snapshot keeps it for the undo.
    RECOMPUTE  one row per customer (purchase summary, dormancy verdict): the duplicate's row is removed and the
               survivor's recomputed by the function registered for the model (if none, it is left for the
               nightly work to refresh). Both rows are in the snapshot, so the undo puts them back as they were.
    KEEP       the rows describe the duplicate record itself (its history, its merges, its retirements): they
               stay with it.

The apps above customers own their models; this table names them by label only (no import), and an app may
replace its entries from its AppConfig.ready() with register_merge_rule().
"""
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

MOVE, RECOMPUTE, KEEP = "move", "recompute", "keep"

MERGE_RULES = {
    # customers
    ("customers.Contact", "customer"): MOVE,
    ("customers.HistoricalContact", "customer"): MOVE,  # a moved contact's history follows it to the survivor's card
    ("customers.Touchpoint", "customer"): MOVE,
    ("customers.Inquiry", "customer"): MOVE,
    ("customers.Purchase", "customer"): MOVE,
    ("customers.Customer_tags", "customer"): MOVE,  # tags: the union of both records
    ("customers.Customer", "merged_into"): MOVE,  # records merged earlier into the duplicate now point at the survivor
    ("customers.HistoricalCustomer", "merged_into"): KEEP,
    ("customers.CustomerPurchaseSummary", "customer"): RECOMPUTE,
    ("customers.CustomerRetirement", "customer"): KEEP,  # the lifecycle story of the duplicate record
    ("customers.CustomerMerge", "survivor"): KEEP,
    ("customers.CustomerMerge", "duplicate"): KEEP,
    ("customers.ReviewFlag", "customer"): MOVE,
    ("customers.DeletionRequest", "customer"): MOVE,
    # Pairs the duplicate finder proposed or a maintainer decided name the records as they were (ordered a < b);
    # the review queue leaves out pairs with a merged record.
    ("customers.DuplicateCandidate", "customer_a"): KEEP,
    ("customers.DuplicateCandidate", "customer_b"): KEEP,
    ("customers.DuplicatePairDecision", "customer_a"): KEEP,
    ("customers.DuplicatePairDecision", "customer_b"): KEEP,
    # dormancy
    ("dormancy.CustomerDormancy", "customer"): RECOMPUTE,
    ("dormancy.StatusChange", "customer"): KEEP,  # past verdicts on the duplicate; the survivor's are recomputed
    # What the customer told us: moves unless the survivor has its own (one per customer: the survivor's is kept).
    ("dormancy.ConfirmedReason", "customer"): MOVE,
    ("dormancy.HistoricalConfirmedReason", "customer"): MOVE,
    # campaigns
    ("campaigns.CampaignTarget", "customer"): MOVE,
    ("campaigns.CampaignContact", "customer"): MOVE,
    ("campaigns.StepExecution", "customer"): MOVE,
    ("campaigns.OutboxMessage", "customer"): MOVE,
    ("campaigns.EmailClick", "customer"): MOVE,
    ("campaigns.LetterBatchItem", "customer"): MOVE,
    ("campaigns.Coupon", "customer"): MOVE,  # a coupon issued to the duplicate stays redeemable by the survivor
    ("campaigns.FeedbackResponse", "customer"): MOVE,  # one answer per step: the survivor's is kept
    ("campaigns.ContactCap", "customer"): RECOMPUTE,  # the cap's count: the survivor's counted again, also after an undo
    # visits
    ("visits.VisitTask", "customer"): MOVE,
    ("visits.VisitLog", "customer"): MOVE,
    ("visits.UpdateSuggestion", "customer"): MOVE,
}

# label -> fn(*, customer_ids, as_of) that rebuilds the one-per-customer rows of those customers.
RECOMPUTERS = {}
# Labels whose rows are rebuilt again after an undo, for both records: rows derived from data that may have changed
# between the merge and its undo (the frequency cap's count), where the rows as they were could be out of date.
RECOMPUTE_AFTER_UNDO = set()


def register_merge_rule(label, field, strategy, *, recompute=None, after_undo=False):
    """Classify (or re-classify) a relation to Customer; `recompute` for RECOMPUTE rows, run again after an undo
    when `after_undo`."""
    if strategy not in (MOVE, RECOMPUTE, KEEP):
        raise ValueError(f"unknown merge strategy {strategy!r}")
    MERGE_RULES[(label, field)] = strategy
    if recompute is not None:
        RECOMPUTERS[label] = recompute
    if after_undo:
        RECOMPUTE_AFTER_UNDO.add(label)


def customer_relations():
    """[(model, fk field)] of every foreign key and one-to-one pointing at Customer, hidden ones included."""
    from customers.models import Customer

    found = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            found.append((rel.related_model, rel.field))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def rule_for(model, field):
    return MERGE_RULES.get((model._meta.label, field.name))


def unclassified_relations():
    """Relations the merge does not know what to do with ("label.field" strings)."""
    return [f"{model._meta.label}.{field.name}" for model, field in customer_relations() if rule_for(model, field) is None]


def model_of(label):
    from django.apps import apps

    return apps.get_model(label)


def relation_label(model):
    """What the screens call a kind of related row (a model, or its label as a merge's snapshot stores it).

    The model's plural name, except for two kinds of table Django or django-simple-history generate, whose own
    names are internal: the table behind a many-to-many field ("customer-tag relationships", fixed in the language
    active when the model was built) is called by the field's name ("Tags"), a history table by the tracked
    model's ("Contacts (history)").
    """
    if isinstance(model, str):
        try:
            model = model_of(model)
        except LookupError:
            return model  # the app that owned the rows is gone; its label is all there is to show
    owner = model._meta.auto_created
    if owner:
        for field in owner._meta.local_many_to_many:
            if field.remote_field.through is model:
                return capfirst(field.verbose_name)
    if issubclass(model, HistoricalChanges):
        return _("%(records)s (history)") % {"records": relation_label(model.instance_type)}
    return capfirst(model._meta.verbose_name_plural)
