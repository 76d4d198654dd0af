"""The duplicate engine: candidate pairs from blocking (customers.duplicates.blocking), scored by
customers.duplicates.scoring. Every place that asks "is this someone we know?" comes here: the full run
(find_duplicates, the review queue), the customer import's warnings, and one record typed into a form
(the new-customer form, the inquiry form, the phone look-up).
"""
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from customers.models import Contact, Customer, DuplicatePairDecision

from . import blocking
from .scoring import DUPLICATE_SCORE, Record, score_pair

RECORD_COLUMNS = ("id", "code", "kind", "name", "name_key", "kana_key", "phone_key", "mobile_key", "email_key",
                  "postal_key", "address")  # fmt: skip
FETCH_CHUNK = 5_000
LOOKUP_LIMIT = 200  # stored customers a single record is compared with, at most (blocks are capped anyway)


@dataclass(slots=True)
class Match:
    a: Record
    b: Record
    score: int
    reasons: list


def _records(cursor, ids_sql, params=()):
    """{id: Record} for the customers whose ids the SELECT gives."""
    columns = ", ".join(f"c.{column}" for column in RECORD_COLUMNS)
    cursor.execute(
        f"SELECT {columns} FROM {Customer._meta.db_table} c WHERE c.id IN ({ids_sql})",  # noqa: S608
        params,
    )
    found = {}
    while rows := cursor.fetchmany(FETCH_CHUNK):
        for row in rows:
            found[row[0]] = Record.from_row(*row)
    return found


def _drop_decided_pairs(cursor):
    """A pair the maintainer has decided about is never proposed again (the pair is stored smaller id first)."""
    cursor.execute(
        f"""DELETE FROM {blocking.PAIRS_TABLE} WHERE EXISTS (
            SELECT 1 FROM {DuplicatePairDecision._meta.db_table} d
            WHERE d.customer_a_id = {blocking.PAIRS_TABLE}.a AND d.customer_b_id = {blocking.PAIRS_TABLE}.b)"""  # noqa: S608
    )


def find_duplicates(*, min_score=DUPLICATE_SCORE, stats=None):
    """Matches (score >= min_score) among all live customers, best first, pairs already decided left out.
    stats: a dict to receive the counts (pairs, scored) and the timings, for the command and the benchmark."""
    import time

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        blocking.vendor_setup(cursor)
        pairs = blocking.build_candidate_pairs(cursor)
        _drop_decided_pairs(cursor)
        blocked = time.perf_counter()
        records = _records(cursor, f"SELECT a FROM {blocking.PAIRS_TABLE} UNION SELECT b FROM {blocking.PAIRS_TABLE}")  # noqa: S608
        cursor.execute(f"SELECT a, b FROM {blocking.PAIRS_TABLE}")  # noqa: S608
        matches = []
        while rows := cursor.fetchmany(FETCH_CHUNK):
            for a, b in rows:
                score, reasons = score_pair(records[a], records[b])
                if score >= min_score:
                    matches.append(Match(records[a], records[b], score, reasons))
        blocking.drop_pairs(cursor)
    matches.sort(key=lambda match: (-match.score, match.a.code, match.b.code))
    if stats is not None:
        stats.update(pairs=pairs, records=len(records), matches=len(matches),
                     blocking_seconds=blocked - started, scoring_seconds=time.perf_counter() - blocked)  # fmt: skip
    return matches


def candidates_for(record, *, exclude_ids=()):
    """Stored live customers that share a block with one record typed in (the same keys as the full run, looked up
    through the key indexes), at most LOOKUP_LIMIT."""
    condition = Q()
    if record.name_key:
        condition |= Q(name_key=record.name_key)
    for phone in record.phones:
        condition |= Q(phone_key=phone) | Q(mobile_key=phone)
    if record.email_key:
        condition |= Q(email_key=record.email_key)
    if record.postal_key:
        if len(record.name_key) >= blocking.NAME_PREFIX:
            condition |= Q(postal_key=record.postal_key, name_key__startswith=record.name_key[: blocking.NAME_PREFIX])
        if record.kana_key:
            condition |= Q(postal_key=record.postal_key, kana_key=record.kana_key)
    # The phone look-up and the inquiry form also know a customer by a contact's phone or e-mail.
    contact_condition = Q()
    for phone in record.phones:
        contact_condition |= Q(phone_key=phone) | Q(mobile_key=phone)
    if record.email_key:
        contact_condition |= Q(email_key=record.email_key)
    if contact_condition:
        condition |= Q(pk__in=Contact.objects.filter(contact_condition).values("customer_id"))
    if not condition:
        return []
    rows = (
        Customer.objects.filter(condition, merged_into__isnull=True)
        .exclude(pk__in=exclude_ids)
        .order_by("pk")
        .values_list(*RECORD_COLUMNS)[:LOOKUP_LIMIT]
    )
    return [Record.from_row(*row) for row in rows]


def matches_for(record, *, min_score=DUPLICATE_SCORE, exclude_ids=()):
    """Stored customers that are probably this record, best first: [(customer Record, score, reasons)]."""
    found = []
    for candidate in candidates_for(record, exclude_ids=exclude_ids):
        score, reasons = score_pair(record, candidate)
        if score >= min_score:
            found.append((candidate, score, reasons))
    found.sort(key=lambda item: (-item[1], item[0].code))
    return found
