"""Parsing the values Japanese sales exports put in a purchases file: dates, amounts, quantities.

Every parser takes the cell text and returns the value or raises ValueParseError with a translatable
reason; the importer calls them once per DISTINCT cell text, so they may be thorough rather than fast.

Dates: 2025-01-10, 2025/1/10, 2025.1.10, 20250110, 2025年1月10日, optionally followed by a time
(2025/1/10 14:05[:30]); Japanese era dates 令和7年1月10日, 令和元年5月1日, R7.1.10, R07/01/10, H31.4.30,
and ㋿/㍻/㍼/㍽/㍾ ligatures. Full-width digits and punctuation are folded (NFKC) first.
Amounts: 2940, 2,940, ￥2,940, ¥2940, 2,940円, full-width digits, negative as -2940 or △2,940
(the accounting triangle), Excel's 2940.0. Quantities: 3, 1.5, full-width; blank means 1.
"""
import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _


class ValueParseError(ValueError):
    """A cell that cannot be read; `reason` is shown to the user."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


# Era name, its one-letter romaji abbreviation, and its first day (the day the era name took effect).
ERAS = [
    ("令和", "R", dt.date(2019, 5, 1)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("昭和", "S", dt.date(1926, 12, 25)),
    ("大正", "T", dt.date(1912, 7, 30)),
    ("明治", "M", dt.date(1868, 1, 25)),  # Meiji 1 starts 1868-01-25 in the Gregorian calendar
]
ERA_BY_NAME = {name: (name, start) for name, _letter, start in ERAS}
ERA_BY_NAME.update({letter: (name, start) for name, letter, start in ERAS})
ERA_ENDS = {ERAS[i][0]: ERAS[i - 1][2] for i in range(1, len(ERAS))}  # first day of the next era

_TIME = r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
_WESTERN = re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?" + _TIME + r"$")
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})" + _TIME + r"$")
_ERA = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|[RHSTM])\s*(?P<y>元|\d{1,2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    + _TIME
    + r"$",
    re.IGNORECASE,
)


def fold(text):
    """NFKC (full-width digits and punctuation to ASCII, ㋿ to 令和), trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def _time_of(match):
    if match.group("hour") is None:
        return None
    try:
        return dt.time(int(match.group("hour")), int(match.group("minute")), int(match.group("second") or 0))
    except ValueError:
        raise ValueParseError(_("The time of day is impossible.")) from None


def _make_date(year, month, day):
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueParseError(_("The date does not exist.")) from None


def parse_date(text):
    """(date, time or None) from the spellings listed in the module docstring."""
    value = fold(text)
    if not value:
        raise ValueParseError(_("The date is missing."))
    match = _WESTERN.match(value) or _COMPACT.match(value)
    if match:
        day = _make_date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        return day, _time_of(match)
    match = _ERA.match(value)
    if match:
        name, start = ERA_BY_NAME[match.group("era").upper() if len(match.group("era")) == 1 else match.group("era")]
        era_year = 1 if match.group("y") == "元" else int(match.group("y"))
        if era_year < 1:
            raise ValueParseError(_("The era year must be 1 (元年) or more."))
        day = _make_date(start.year + era_year - 1, int(match.group("m")), int(match.group("d")))
        end = ERA_ENDS.get(name)
        if day < start or (end is not None and day >= end):
            raise ValueParseError(_("The date is outside the %(era)s era.") % {"era": name})
        return day, _time_of(match)
    raise ValueParseError(_("The date is not in a recognised format (e.g. 2025-01-10, 2025/1/10, 20250110, 令和7年1月10日)."))


_AMOUNT_NOISE = re.compile(r"[,\s円¥￥\\]")


def parse_amount(text):
    """Whole yen as int."""
    value = fold(text)
    if not value:
        raise ValueParseError(_("The amount is missing."))
    negative = value.startswith(("△", "▲", "-"))
    digits = _AMOUNT_NOISE.sub("", value.lstrip("△▲-"))
    if not re.fullmatch(r"\d+(?:\.0*)?", digits):
        if re.fullmatch(r"\d+\.\d+", digits):
            raise ValueParseError(_("The amount must be whole yen."))
        raise ValueParseError(_("The amount is not a number."))
    amount = int(digits.split(".")[0])
    if amount > 10**12:
        raise ValueParseError(_("The amount is implausibly large."))
    return -amount if negative else amount


def parse_quantity(text):
    """Decimal with at most two decimals; a blank cell means one piece."""
    value = fold(text).replace(",", "")
    if not value:
        return Decimal(1)
    try:
        quantity = Decimal(value)
    except InvalidOperation:
        raise ValueParseError(_("The quantity is not a number.")) from None
    if not quantity.is_finite():
        raise ValueParseError(_("The quantity is not a number."))
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ValueParseError(_("The quantity has more than two decimals."))
    if abs(quantity) >= Decimal(10**10):
        raise ValueParseError(_("The quantity is implausibly large."))
    return quantity.quantize(Decimal("0.01"))


def clean_code(text):
    """Customer / product codes as stored: NFKC-folded and trimmed (Ｃ０００１ → C0001)."""
    return fold(text)
