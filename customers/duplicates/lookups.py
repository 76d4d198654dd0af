"""'Is this someone we know?' for one record typed in: the new-customer form's "did you mean …?" and the phone
look-up. The same engine and threshold as find_duplicates and the import warnings."""
from customers import normalize
from customers.models import Customer

from .engine import matches_for
from .scoring import DUPLICATE_SCORE, Record, reason_text

SHOWN = 5


def similar_customers(values, *, exclude_ids=(), min_score=DUPLICATE_SCORE):
    """[(Customer, score, [reason text])] for the stored customers that are probably the record these form values
    describe (name, name_kana, phone, mobile, email, postal_code, prefecture, address, kind), best first."""
    text = {name: values.get(name) or "" for name in ("name", "name_kana", "phone", "mobile", "email", "postal_code",
                                                      "prefecture", "address", "kind")}  # fmt: skip
    record = Record.from_values(**text)
    found = matches_for(record, min_score=min_score, exclude_ids=exclude_ids)[:SHOWN]
    customers = Customer.objects.in_bulk([candidate.id for candidate, _score, _reasons in found])
    return [(customers[candidate.id], score, [reason_text(r) for r in reasons]) for candidate, score, reasons in found
            if candidate.id in customers]  # fmt: skip


def known_for_phone(phone):
    """Customers the engine knows by this number (theirs or a contact's), for the phone look-up's not-found page."""
    key = normalize.phone_key(phone)
    if not key:
        return []
    return similar_customers({"phone": phone}, min_score=0)
