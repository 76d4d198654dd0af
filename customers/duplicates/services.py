"""The review queue's state: the stored candidates of the last run, and the maintainer's decisions on pairs.

duplicates_store(*, matches) -> int        replace the stored candidates by a run's matches (the command, the task)
duplicates_refresh() -> int                run the engine and store its matches (the task)
duplicates_refresh_request(*, by)          queue that task (the queue's "Search again")
duplicate_pair_reject(*, a, b, by)         "not a duplicate": remembered, never proposed again
"""
from django.db import transaction
from django.utils import timezone

from crm.permissions import require
from customers.models import Customer, DuplicateCandidate, DuplicatePairDecision

STORE_BATCH = 2_000


def ordered_pair(a, b):
    """The pair as stored: the customer with the smaller id first."""
    return (a, b) if a.pk < b.pk else (b, a)


@transaction.atomic
def duplicates_store(*, matches):
    """Replace the stored candidates by `matches` (engine.Match, already without decided pairs). Returns the count.
    A derived table: rebuilt whole, in one transaction, so the queue never shows half a run."""
    DuplicateCandidate.objects.all().delete()
    now = timezone.now()
    rows = (
        DuplicateCandidate(customer_a_id=min(m.a.id, m.b.id), customer_b_id=max(m.a.id, m.b.id), score=m.score,
                           reasons=[list(reason) for reason in m.reasons], found_at=now)
        for m in matches
    )
    created = DuplicateCandidate.objects.bulk_create(rows, batch_size=STORE_BATCH)
    return len(created)


def duplicates_refresh(*, min_score=None):
    """Run the engine over all customers and store its matches as the queue; returns how many. Two runs at once
    would only both replace the queue, each whole (duplicates_store is one transaction)."""
    from .engine import find_duplicates
    from .scoring import DUPLICATE_SCORE

    return duplicates_store(matches=find_duplicates(min_score=DUPLICATE_SCORE if min_score is None else min_score))


def duplicates_refresh_request(*, by):
    """The maintainer asks for a new search: queued after commit (run in the request without a broker)."""
    from customers.tasks import find_duplicates

    require(by, "customers.merge")
    transaction.on_commit(find_duplicates.delay)


def _decide(*, a, b, by, decision):
    a, b = ordered_pair(a, b)
    stored_a = Customer.objects.select_for_update().get(pk=a.pk)
    require(by, "customers.merge", stored_a)
    candidate = DuplicateCandidate.objects.filter(customer_a=a, customer_b=b).first()
    row, _created = DuplicatePairDecision.objects.update_or_create(
        customer_a=a,
        customer_b=b,
        defaults={"decision": decision, "decided_by": by, "decided_at": timezone.now(),
                  "score": candidate.score if candidate else None,
                  "reasons": candidate.reasons if candidate else []},
    )
    DuplicateCandidate.objects.filter(customer_a=a, customer_b=b).delete()
    return row


@transaction.atomic
def duplicate_pair_reject(*, a, b, by):
    """The maintainer says these two are different customers: the pair leaves the queue and no later run proposes
    it again. Returns the DuplicatePairDecision."""
    return _decide(a=a, b=b, by=by, decision=DuplicatePairDecision.Decision.REJECTED)
