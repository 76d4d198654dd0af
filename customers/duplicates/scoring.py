"""Is this pair one customer? A score from 0 to 100 and the reasons a maintainer reads, from the normalized keys.

The score is rule-shaped, not a weighted sum: a name alone never makes a duplicate (common names repeat across the
country), and a shared address or phone alone never does either (companies share buildings, families share a home
phone). A pair scores high only when the name says "same one" AND a place or contact agrees, and low when the
places disagree (a namesake elsewhere). Between, a record missing its place information scores in the middle.
"""
import re
from dataclasses import dataclass

import jaconv
from django.utils.translation import gettext, gettext_noop
from rapidfuzz.distance import Indel

from customers import normalize

DUPLICATE_SCORE = 80  # the default --min-score, the queue's and the warnings' threshold


@dataclass(slots=True)
class Record:
    """What the scorer compares, from a stored customer (keys as stored) or from a form or import row. The address
    key is worked out on first use: an import builds a Record per row and compares only the few that pair up."""

    id: int | None
    code: str
    kind: str
    name: str
    name_key: str
    kana_key: str
    phones: frozenset
    email_key: str
    postal_key: str
    address: str
    _address_key: str | None = None

    @property
    def address_key(self):
        if self._address_key is None:
            self._address_key = normalize.address_key(self.address)
        return self._address_key

    @classmethod
    def from_row(cls, pk, code, kind, name, name_key, kana_key, phone_key, mobile_key, email_key, postal_key,
                 address):  # fmt: skip
        return cls(id=pk, code=code, kind=kind, name=name, name_key=name_key,
                   kana_key=kana_key.translate(normalize._SMALL_KANA), phones=frozenset(filter(None, (phone_key, mobile_key))),
                   email_key=email_key, postal_key=postal_key, address=address)  # fmt: skip

    @classmethod
    def from_values(cls, *, code="", kind="", name="", name_kana="", phone="", mobile="", email="", postal_code="",
                    address="", prefecture=""):  # fmt: skip
        return cls(id=None, code=code, kind=kind, name=name, name_key=normalize.name_key(name),
                   kana_key=normalize.kana_compare_key(name_kana),
                   phones=frozenset(filter(None, (normalize.phone_key(phone), normalize.phone_key(mobile)))),
                   email_key=normalize.email_key(email), postal_key=normalize.postal_key(postal_code),
                   address=f"{prefecture}{address}")  # fmt: skip


# Reasons are stored and passed around untranslated, as (msgid, params), and translated when shown.
SAME_NAME = gettext_noop("same name")
NAME_SIMILAR = gettext_noop("name %(percent)d %% similar")
SAME_READING = gettext_noop("same reading")
READING_DIFFERS = gettext_noop("reading differs")
SAME_PHONE = gettext_noop("same phone")
SAME_EMAIL = gettext_noop("same e-mail")
SAME_ADDRESS = gettext_noop("same address")
ADDRESS_SIMILAR = gettext_noop("address %(percent)d %% similar")
SAME_POSTAL = gettext_noop("same postal code")
ELSEWHERE = gettext_noop("different place")


def reason_text(reason):
    msgid, params = reason
    return gettext(msgid) % params if params else gettext(msgid)


def reasons_text(reasons):
    return ", ".join(reason_text(reason) for reason in reasons)


_KANA_RE = re.compile("[\u30a1-\u30fcー]+")


def _is_kana(text):
    return bool(text) and _KANA_RE.fullmatch(text) is not None


_KANA_RUN_RE = re.compile("^([\u30a1-\u30fcー]{2,})(.+)$|^(.+?)([\u30a1-\u30fcー]{2,})$")


def _part_in_kana(one, other):
    """サカモト物流 against 坂本物流 read サカモトブツリュウ: one's kana head (or tail) is the other's reading's head (tail)
    and the rest of the names is the same. Their similarity then, or 0."""
    if not other.kana_key:
        return 0
    match = _KANA_RUN_RE.match(one.name_key)
    if match is None:
        return 0
    kana_head, rest, head, kana_tail = match.groups()
    small = normalize._SMALL_KANA  # readings are compared with small kana as large ones
    if kana_head and other.name_key.endswith(rest) and other.kana_key.startswith(kana_head.translate(small)):
        return 90
    if kana_tail and other.name_key.startswith(head) and other.kana_key.endswith(kana_tail.translate(small)):
        return 90
    return 0


def _similarity(a, b):
    return round(Indel.normalized_similarity(a, b) * 100)


_HOUSE_NUMBER_RE = re.compile(r"\d+(?:-\d+)*(?=\D*$)")  # the last run of block numbers


def _address_similarity(a, b):
    """100 when equal, 95 when one is the other with its city left out (函館市若松町9-19 / 若松町9-19)."""
    if a == b:
        return 100
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 6 and longer.endswith(shorter):
        return 95
    # The building left off one of them (千代田1-1 / 千代田1-1山田ビル5f): the street, number and all, is the same.
    if len(shorter) >= 6 and shorter[-1].isdigit() and longer.startswith(shorter) and not longer[len(shorter)].isdigit():
        return 92
    # Another house number in the same street is another place (本町1-2-3 / 本町4-5-6 read 70 % alike as text).
    number_a, number_b = _HOUSE_NUMBER_RE.search(a), _HOUSE_NUMBER_RE.search(b)
    if number_a and number_b:
        number_a, number_b = number_a.group(), number_b.group()
        if not (number_a.startswith(number_b) or number_b.startswith(number_a)):
            return min(50, _similarity(a, b))
    return _similarity(a, b)


def score_pair(a, b):
    """(score 0–100, reasons) for two Records."""
    reasons = []
    both_people = a.kind == b.kind == "person"
    name = _similarity(a.name_key, b.name_key) if a.name_key and b.name_key else 0
    # A name typed in kana (ｻﾄｳ ｲﾁﾛｳ) is its own reading: compared with the other's reading too.
    for one, other in ((a, b), (b, a)):
        as_kana = jaconv.hira2kata(one.name_key)
        if other.kana_key and _is_kana(as_kana):
            name = max(name, _similarity(as_kana.translate(normalize._SMALL_KANA), other.kana_key))
        elif name < 90 and other.kana_key:
            name = max(name, _part_in_kana(one, other))
    has_kana = bool(a.kana_key and b.kana_key)
    kana = _similarity(a.kana_key, b.kana_key) if has_kana else None
    kana_same = kana is not None and kana >= 95
    # People who differ in the reading are different people (family members share a surname and a home). For a
    # company with the very same name a reading a little off is a typo (ニホン / ニッポン); a name that differs too
    # needs the same reading (北斗精機 / 北斗精器), whatever the record's kind says (imports often leave it out).
    kana_conflict = kana is not None and kana < (95 if both_people else 80)

    if name >= 95:
        reasons.append((SAME_NAME, None) if name == 100 else (NAME_SIMILAR, {"percent": name}))
    elif name >= 50:
        reasons.append((NAME_SIMILAR, {"percent": name}))
    if kana_same and name < 100:
        reasons.append((SAME_READING, None))
    elif kana is not None and not kana_same and name >= 80:
        reasons.append((READING_DIFFERS, None))

    if name >= 95 and not kana_conflict:
        identity = "same"
    elif kana_same and (name >= 50 or len(a.kana_key) >= 4):
        # 北斗精機 / 北斗精器: a slip in the kanji, the reading right; サトウ工業 / 佐藤工業: one name half in kana.
        identity = "similar"
    elif kana is None and name >= (90 if both_people else 80):
        identity = "similar"  # without both readings the name alone decides; with both, they must agree
    elif kana is None and name >= 60 and not both_people:
        identity = "unsure"
    else:
        identity = None

    same_phone = bool(a.phones & b.phones)
    same_email = bool(a.email_key) and a.email_key == b.email_key
    address = _address_similarity(a.address_key, b.address_key) if a.address_key and b.address_key else None
    same_address = address is not None and address >= 90
    same_postal = bool(a.postal_key) and a.postal_key == b.postal_key
    if same_phone:
        reasons.append((SAME_PHONE, None))
    if same_email:
        reasons.append((SAME_EMAIL, None))
    if same_address:
        reasons.append((SAME_ADDRESS, None) if address == 100 else (ADDRESS_SIMILAR, {"percent": address}))
    if same_postal:
        reasons.append((SAME_POSTAL, None))
    contact_agrees = same_phone or same_email
    strong = contact_agrees + same_address
    elsewhere = not contact_agrees and not same_address and (
        (address is not None and address < 70) or (bool(a.postal_key and b.postal_key) and not same_postal)
    )
    if elsewhere:
        reasons.append((ELSEWHERE, None))
    # Both have a phone and they differ, and nothing else to compare: two lines of one company, or two namesakes.
    phones_differ = bool(a.phones and b.phones) and not same_phone
    emails_differ = bool(a.email_key and b.email_key) and not same_email

    if identity == "same":
        if strong:
            score = 94 + 3 * min(strong, 2)
        elif elsewhere:
            score = 35
        elif same_postal:
            score = 90
        elif phones_differ or emails_differ or both_people:
            score = 72  # a namesake as likely as not (people share names far more often than companies)
        else:
            score = 82  # nothing to compare but the name: worth a look, never merged without one
    elif identity == "similar":
        if strong:
            score = 86 + 3 * min(strong, 2)
        elif elsewhere:
            score = 30
        elif same_postal:
            score = 78
        else:
            score = 60
    elif identity == "unsure":
        score = 82 if contact_agrees else (70 if same_address else 40)
    else:
        score = min(50, name // 2 + 10 * strong)
    return score, reasons
