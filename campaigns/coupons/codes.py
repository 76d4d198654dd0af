"""Coupon codes: 11 random characters and a check character, from an alphabet without look-alikes.

The alphabet leaves out 0/O and 1/I, so a code read over the phone or typed from paper has no ambiguous
character; what a person types is folded (case, full width, spaces and hyphens) before it is compared, and a
typed O, 0, I or 1 can only be a typo. 11 characters of 32 give 55 bits from `secrets`: guessing a valid code is hopeless (10⁶ coupons
issued → one chance in 3·10¹⁰ per guess). The check character (Luhn mod 32) catches every single mistyped
character and every swap of two neighbours, so a typo is refused as a typo, not as "no such coupon".
"""
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters: no 0, O, 1, I
BASE = len(ALPHABET)
RANDOM_LENGTH = 11
CODE_LENGTH = RANDOM_LENGTH + 1
_INDEX = {char: i for i, char in enumerate(ALPHABET)}


def _check_char(body):
    """Luhn mod N over the body (Wikipedia's "Luhn mod N algorithm", N = 32)."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // BASE + addend % BASE
    return ALPHABET[(BASE - total % BASE) % BASE]


def new_code():
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check_char(body)


def normalize_code(text):
    """What was typed or imported, as stored: NFKC (full width → ASCII), upper case, no spaces or hyphens."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(char for char in folded if char.isalnum())


def is_well_formed(code):
    """True for a normalized code of the right length, alphabet and check character."""
    if len(code) != CODE_LENGTH or any(char not in _INDEX for char in code):
        return False
    return _check_char(code[:-1]) == code[-1]


def format_code(code):
    """XXXX-XXXX-XXXX for people; stored and compared without the hyphens."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
