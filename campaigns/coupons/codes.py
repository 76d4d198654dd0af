"""Coupon codes: 11 random characters and a check character, from an alphabet without look-alikes.

The alphabet leaves out 0/O and 1/I, so a code read over the phone or typed from paper has no ambiguous
character; what a person types is folded (case, full width, spaces and hyphens) before it is compared, and a
typed O, 0, I or 1 can only be a typo. 11 characters of 32 give 55 bits from `secrets`: guessing a valid code is hopeless (10⁶ coupons
issued → one chance in 3·10¹⁰ per guess). The check character (a weighted sum in GF(32)) catches every single mistyped
character and every swap of two neighbours, so a typo is refused as a typo, not as "no such coupon".
"""
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters: no 0, O, 1, I
BASE = len(ALPHABET)
RANDOM_LENGTH = 11
CODE_LENGTH = RANDOM_LENGTH + 1
_INDEX = {char: i for i, char in enumerate(ALPHABET)}


_FIELD_POLYNOMIAL = 0b100101  # x⁵ + x² + 1: primitive, so x generates all 31 non-zero elements of GF(32)


def _times_x(value):
    value <<= 1
    return value ^ _FIELD_POLYNOMIAL if value & 0b100000 else value


def _check_char(body):
    """The character c with c + Σ vᵢ·xⁿ⁻ⁱ = 0 in GF(32) (vᵢ the body's characters, n its length): every weight is a
    distinct non-zero power of x, so changing one character, or swapping two neighbours (the check character
    included), always changes the sum. A weighted sum modulo 32 cannot do both (32 is not prime), and Luhn mod 32
    misses the swap of its first and last symbols."""
    total = 0
    for char in body:
        total = _times_x(total) ^ _INDEX[char]
    return ALPHABET[_times_x(total)]


# Drawing: each random byte gives one character, its low five bits (256 = 8·32, so every character is as likely as
# with secrets.choice). The check character is linear in the body (a XOR of vᵢ·xⁿ⁺¹⁻ⁱ), so each position gets a
# 256-byte table byte → its term, and a whole batch's check characters are the XOR of eleven translated columns,
# done as one big-integer XOR each: 100,000 codes in a few hundredths of a second, not seconds per character.
_TO_CHAR = bytes(ord(ALPHABET[byte % BASE]) for byte in range(256))


def _term(value, position):
    for _ in range(RANDOM_LENGTH - position):
        value = _times_x(value)
    return value


_TERMS = [bytes(_term(byte % BASE, position) for byte in range(256)) for position in range(RANDOM_LENGTH)]


def new_codes(count):
    """`count` fresh codes from one secrets.token_bytes draw (a batch's codes may repeat, as drawn ones may: the
    unique index decides, and the issuing draws again for the rows that collided)."""
    if count <= 0:
        return []
    raw = secrets.token_bytes(count * RANDOM_LENGTH)
    bodies = raw.translate(_TO_CHAR).decode("ascii")
    check = 0
    for position in range(RANDOM_LENGTH):
        check ^= int.from_bytes(raw[position::RANDOM_LENGTH].translate(_TERMS[position]), "big")
    checks = check.to_bytes(count, "big").translate(_TO_CHAR).decode("ascii")
    return [bodies[i * RANDOM_LENGTH:(i + 1) * RANDOM_LENGTH] + checks[i] for i in range(count)]


def new_code():
    return new_codes(1)[0]


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
