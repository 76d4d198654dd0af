"""Customers, contacts and touchpoints of the demo company, drawn from a seeded Faker (ja_JP) and Random."""
from dataclasses import dataclass, field

from customers import normalize
from customers.maintenance.postal import POSTAL_PREFIXES

from .catalogue import (
    AREA,
    COMPANY_INDUSTRY_WEIGHTS,
    CONSENT_METHODS,
    DEPARTMENTS,
    INDUSTRY_SUFFIX,
    LEGAL_FORMS,
    PROSPECT_NOTES,
    PUBLIC_BODY_KINDS,
    TITLES,
)


@dataclass
class Profile:
    """Everything about one demo customer that is not a database row yet."""

    index: int
    cohort: str
    kind: str
    name: str
    name_kana: str
    industry: str
    prefecture: str
    city: str
    area_code: str
    store: str
    romaji: str
    fiscal_year_end_month: int | None
    tags: list = field(default_factory=list)


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[-1] for p in pairs])[0]


def _landline(area_code, local):
    if len(area_code) == 2:
        return f"{area_code}-{local[:4]}-{local[4:]}"
    if len(area_code) == 3:
        return f"{area_code}-{local[:3]}-{local[3:]}"
    return f"{area_code}-{local[:2]}-{local[2:]}"


def phone_number(rng, area_code):
    """A landline number of 10 digits in the area's format (03-1234-5678, 045-123-4567, 0466-12-3456), in a range
    that is really allocated (so the import accepts an exported demo file). An unallocated draw gets another first
    local digit, without drawing again, so the seed's random sequence and every other demo figure stay the same."""
    local_len = 10 - len(area_code)
    local = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(local_len - 1))
    for first in (local[0], *"23456789"):
        candidate = _landline(area_code, first + local[1:])
        if normalize.is_valid_phone(candidate):
            return candidate
    return _landline(area_code, local)


def mobile_number(rng):
    return f"0{rng.choice('789')}0-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def make_profile(rng, fake, index, cohort):
    prefecture = _weighted(rng, [(a, a[1]) for a in AREA])
    pref_name, _, cities, store = prefecture
    city, area_code = rng.choice(cities)
    last, last_kana, last_romaji = fake.last_name_pair()
    if cohort != "prospect" and rng.random() < 0.07:
        first, first_kana, _ = fake.first_name_male_pair()
        industry = "個人"
        return Profile(
            index, cohort, "person", f"{last} {first}", f"{last_kana} {first_kana}", industry, pref_name, city,
            area_code, store, last_romaji.lower(), None, tags=["一人親方"],
        )
    industry = _weighted(rng, COMPANY_INDUSTRY_WEIGHTS)
    if industry == "官公庁":
        body, _ = rng.choice(PUBLIC_BODY_KINDS)
        # Faker has no readings of place names, so public bodies have no kana and are found by name.
        return Profile(
            index, cohort, "company", f"{city}{body}", "", industry, pref_name, city, area_code, store,
            f"city{index}", 3, tags=[industry],
        )
    word, word_kana = rng.choice(INDUSTRY_SUFFIX[industry])
    form, form_kana, _ = _weighted(rng, [(f, f[2]) for f in LEGAL_FORMS])
    before = rng.random() < 0.6  # 株式会社佐藤工務店 or 佐藤工務店株式会社
    name = f"{form}{last}{word}" if before else f"{last}{word}{form}"
    # 会社名フリガナ as usually written, without the legal form; every fifth as some ledgers carry it, with the
    # form, which the kana key (customers.normalize.kana_key) leaves out when sorting.
    kana = f"{last_kana}{word_kana}"
    if index % 5 == 0:
        kana = f"{form_kana} {kana}" if before else f"{kana} {form_kana}"
    fiscal = _weighted(rng, [(3, 50), (12, 15), (9, 10), (6, 8), (5, 5), (8, 5), (10, 4), (2, 3)])
    return Profile(index, cohort, "company", name, kana, industry, pref_name, city, area_code, store,
                   last_romaji.lower(), fiscal, tags=[industry])


def postal_code(rng, prefecture):
    """A postal code whose first two digits belong to the prefecture (as Japan Post numbers them), so the
    maintainer's worklist flags only the records that really disagree."""
    prefixes = [prefix for prefix, pref in POSTAL_PREFIXES if pref == prefecture and len(prefix) == 2]
    head, tail = rng.randint(100, 399), rng.randint(0, 9999)  # drawn as before: the rest of the demo stays the same
    return f"{prefixes[head % len(prefixes)]}{head % 10}-{tail:04d}" if prefixes else f"{head:03d}-{tail:04d}"


def customer_fields(rng, fake, profile, *, first_seen_at):
    """Field values for Customer(...): address, phones, e-mail, consents, what sales learned about prospects."""
    town = f"{fake.town()}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    has_email = rng.random() < 0.8
    email = f"info@{profile.romaji}-{profile.index}.example.jp" if has_email else ""
    fields = {
        "postal_code": postal_code(rng, profile.prefecture),
        "prefecture": profile.prefecture,
        # stored as every entry path stores them (the form, the import), so an export imports back unchanged
        "address": normalize.clean_text(f"{profile.city}{town}"),
        "phone": normalize.format_phone(phone_number(rng, profile.area_code)),
        "fax": phone_number(rng, profile.area_code) if profile.kind == "company" and rng.random() < 0.7 else "",
        "mobile": mobile_number(rng) if profile.kind == "person" or rng.random() < 0.2 else "",
        "email": email,
    }
    for channel, share in (("email", 0.55 if has_email else 0), ("dm", 0.7), ("phone", 0.4)):
        if rng.random() < share:
            fields[f"has_{channel}_consent"] = True
            fields[f"{channel}_consent_changed_at"] = first_seen_at
            fields[f"{channel}_consent_method"] = rng.choice(CONSENT_METHODS)
    if profile.cohort == "prospect":
        for key, options in PROSPECT_NOTES.items():
            fields[key] = rng.choice(options)
        fields["decision_maker"] = f"{fake.last_name()} 社長"
    return fields


def contact_fields(rng, fake, profile, position):
    last, last_kana, romaji = fake.last_name_pair()
    first, first_kana, _ = fake.first_name_pair()
    email = f"{romaji.lower()}.{position}@{profile.romaji}-{profile.index}.example.jp" if rng.random() < 0.7 else ""
    phone = phone_number(rng, profile.area_code)
    mobile = mobile_number(rng) if rng.random() < 0.6 else ""
    return {
        "name": f"{last} {first}",
        "name_kana": f"{last_kana} {first_kana}",
        "department": rng.choice(DEPARTMENTS),
        "title": TITLES[0] if position == 0 and rng.random() < 0.3 else rng.choice(TITLES[1:]),
        "phone": phone,
        "mobile": mobile,
        "email": email,
        "is_decision_maker": position == 0,
        "is_active": position == 0 or rng.random() < 0.85,
        # bulk_create skips Contact.save(): the search keys are computed here the same way.
        "phone_key": normalize.phone_key(phone),
        "mobile_key": normalize.phone_key(mobile),
        "email_key": normalize.email_key(email),
    }
