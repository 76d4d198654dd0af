"""The shortcuts that make checking a customer file fast give the same answers as the long way they replace:
phone numbers (phonenumbers.parse + is_valid_number + format_number), e-mail addresses (Django's validator),
width folding (jaconv + NFKC), spaces, legal forms and prefectures (the regex and loops of before) and reading CSV
lines (io.StringIO)."""
import csv
import io
import random
import re
import unicodedata

import jaconv
import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from customers import normalize
from customers.customer_import.reading import _lines
from customers.customer_import.validation import validate_email


def phonenumbers_verdict(phone):
    """normalize's phone answers as they were before the shortcut: phonenumbers all the way."""
    number = normalize.phone_key(phone)
    if not number:
        return False, normalize.clean_text(phone)
    try:
        parsed = phonenumbers.parse(number, "JP")
    except phonenumbers.NumberParseException:
        return False, number
    if not phonenumbers.is_valid_number(parsed):
        return False, number
    return True, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def random_phones(count, seed):
    rnd = random.Random(seed)
    prefixes = ["0", "0", "0", "00", "010", "0120", "0570", "050", "090", "080", "070", "03", "06", "045", "+81 ",
                "81", "1", ""]  # fmt: skip
    for _ in range(count):
        yield rnd.choice(prefixes) + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(3, 11)))


class TestPhones:
    def test_every_japanese_prefix_and_length_gets_phonenumbers_answer(self):
        mismatches, valid = [], 0
        for phone in random_phones(60_000, seed=20261127):
            expected = phonenumbers_verdict(phone)
            valid += expected[0]
            if (normalize.is_valid_phone(phone), normalize.format_phone(phone)) != expected:
                mismatches.append((phone, expected))
        assert mismatches == [] and valid > 3000  # the sample holds enough valid numbers to mean something

    @pytest.mark.parametrize("phone", ["03-1234-5678", "０３（１２３４）５６７８", "045-987-6543", "090-1234-5678",
                                       "0120-123-456", "0570-000-111", "050-1234-5678", "0467-22-3456",
                                       "+81 3-1234-5678", "0101-23-4567", "010-1-212-555-0100", "00312345678",
                                       "03-0000-0000", "12345678", "不明", ""])  # fmt: skip
    def test_the_spellings_people_write(self, phone):
        assert (normalize.is_valid_phone(phone), normalize.format_phone(phone)) == phonenumbers_verdict(phone)


def django_says(value):
    try:
        django_validate_email(value)
    except ValidationError:
        return False
    return True


def ours_says(value):
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=500)
@given(st.text(alphabet="abcXYZ09.-_+@!#[]:\"' é日本\n", max_size=30))
@example("a@localhost")
@example("a@[127.0.0.1]")
@example("a@[IPv6:::1]")
@example("x@日本.jp")
@example("a@b..jp")
@example("a" * 65 + "@b.jp")
@example("u@" + "d" * 320 + ".jp")
@example("a@example.jp\n")
def test_e_mail_addresses_get_djangos_answer(value):
    assert ours_says(value) == django_says(value)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12))
@example("ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ")
@example("か\u3099")
@example("(株)山田ｹﾝｻﾞｲ")
@example("ﾞ")
def test_width_folding_gets_jaconvs_answer(text):
    assert normalize.nfkc(text) == unicodedata.normalize("NFKC", jaconv.h2z(text, kana=True, ascii=False, digit=False))


@settings(max_examples=500)
@given(st.text(alphabet=["a", ",", '"', "\r", "\n", "日", " ", "\t"], max_size=25))
def test_csv_lines_are_read_as_from_a_string_io(text):
    def rows(lines):
        try:
            return list(csv.reader(lines))
        except csv.Error as error:
            return str(error)

    assert rows(_lines(text)) == rows(io.StringIO(text, newline=""))


def clean_text_long_way(text):
    return re.sub(r"\s+", " ", normalize.nfkc(text)).strip()


def name_key_long_way(name):
    """name_key without its shortcuts: every legal form looked for, until nothing changes (see normalize.name_key)."""
    text = normalize.nfkc(name)
    for _ in range(8):
        key = re.sub(r"\s+", "", normalize.nfkc(text))
        key = normalize._BRACKETED_FORM_RE.sub("", key)
        for form in normalize.LEGAL_FORMS:
            key = key.replace(form, "")
        key = normalize._ENGLISH_FORM_RE.sub("", key.lower())
        key = key.translate(normalize._NAME_PUNCTUATION).translate(normalize._LONG_VOWEL_TABLE)
        key = key.translate(normalize._KANJI_TABLE)
        if key == text:
            break
        text = key
    return text


def split_prefecture_long_way(address):
    text = normalize.clean_text(address)
    for prefecture in normalize.PREFECTURES:
        if text.startswith(prefecture):
            return prefecture, text[len(prefecture) :].strip()
    return "", text


WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace() or re.match(r"\s", chr(c))]
NAME_PARTS = ["株式会社", "(株)", "㈱", "有限", "会社", "法人", "医療", "社団", "カブシキ", "ガイシャ", "カ)", "(カ", "ｶ)",
              "(", ")", "・", "･", "山田", "ﾔﾏﾀﾞ", "A", "b", " ", "\u3000", "\t", "東京都", "神奈川県", "京都府", "北海"]  # fmt: skip


def test_the_whitespace_str_split_knows_is_what_the_pattern_knows():
    assert all(" ".join(f"a{ch}{ch}b{ch}".split()) == clean_text_long_way(f"a{ch}{ch}b{ch}") for ch in WHITESPACE)


@settings(max_examples=500)
@given(st.lists(st.sampled_from(NAME_PARTS + WHITESPACE), max_size=8).map("".join))
@example("株式会社")
@example("カブシキガイシャヤマダ")
def test_names_and_addresses_get_the_long_ways_answer(text):
    assert normalize.clean_text(text) == clean_text_long_way(text)
    assert normalize.name_key(text) == name_key_long_way(text)
    assert normalize.split_prefecture(text) == split_prefecture_long_way(text)


def test_every_legal_form_has_a_hint():
    """name_key skips the legal forms of a name with none of the hints: each form must contain one."""
    assert all(any(hint in form for hint in normalize._LEGAL_FORM_HINTS) for form in normalize.LEGAL_FORMS)


@settings(max_examples=500)
@given(st.text(alphabet=["0", "9", "-", "０", "－", "٣", "(", " ", "+", "a", "ー"], max_size=14))
@example("03-1234-5678")
@example("--")
def test_digits_get_the_patterns_answer(text):
    assert normalize.digits(text) == re.sub(r"\D", "", normalize.nfkc(text))
