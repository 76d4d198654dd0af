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


def known_by_contact_keys(*, email_key="", phones=()):
    """[(customer id, how)] of the live customers with this e-mail or phone, on the record or on one of its
    contacts, in the order a sender is believed: e-mail before phone, the customer's own before a contact's.
    how: "email", "contact_email", "phone" or "contact_phone". The inquiry form and the look-ups use it."""
    found, seen = [], set()
    live = Customer.objects.filter(merged_into__isnull=True)
    contacts = Contact.objects.filter(customer__merged_into__isnull=True)
    phone_q = Q()
    for phone in phones:
        phone_q |= Q(phone_key=phone) | Q(mobile_key=phone)
    queries = []
    if email_key:
        queries += [("email", live.filter(email_key=email_key).values_list("pk", flat=True)),
                    ("contact_email", contacts.filter(email_key=email_key).values_list("customer_id", flat=True))]
    if phone_q:
        queries += [("phone", live.filter(phone_q).values_list("pk", flat=True)),
                    ("contact_phone", contacts.filter(phone_q).values_list("customer_id", flat=True))]  # fmt: skip
    for how, ids in queries:
        for pk in ids.order_by("pk")[:LOOKUP_LIMIT]:  # the oldest record (or contact) first
            if pk not in seen:
                seen.add(pk)
                found.append((pk, how))
    return found


def candidates_for(record, *, exclude_ids=()):
    """Stored live customers that share a block with one record typed in (the same keys as the full run, looked up
    through the key indexes), at most LOOKUP_LIMIT. A customer found by a contact's phone or e-mail carries it
    in its Record's phones / email_key, so the scorer sees the shared number."""
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
    via_contact = {pk: how for pk, how in known_by_contact_keys(email_key=record.email_key, phones=record.phones)
                   if how.startswith("contact_")}  # fmt: skip
    if via_contact:
        condition |= Q(pk__in=list(via_contact))
    if not condition:
        return []
    rows = (
        Customer.objects.filter(condition, merged_into__isnull=True)
        .exclude(pk__in=exclude_ids)
        .order_by("pk")
        .values_list(*RECORD_COLUMNS)[:LOOKUP_LIMIT]
    )
    records = [Record.from_row(*row) for row in rows]
    for candidate in records:
        how = via_contact.get(candidate.id)
        if how == "contact_email":
            candidate.email_key = record.email_key
        elif how == "contact_phone":
            candidate.phones = candidate.phones | record.phones
    return records


def matches_for(record, *, min_score=DUPLICATE_SCORE, exclude_ids=()):
    """Stored customers that are probably this record, best first: [(customer Record, score, reasons)]."""
    found = []
    for candidate in candidates_for(record, exclude_ids=exclude_ids):
        score, reasons = score_pair(record, candidate)
        if score >= min_score:
            found.append((candidate, score, reasons))
    found.sort(key=lambda item: (-item[1], item[0].code))
    return found
