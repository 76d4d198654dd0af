"""The one normalizer for customer data: every import, form, search and duplicate check goes through it.

Japanese business data arrives in many spellings of the same thing: full- and half-width characters,
half-width kana, legal-form words (株式会社, (株), ㈱ …), hyphen variants and brackets in phone numbers.
Search keys are the canonical forms, stored beside the data and indexed.
"""
import re
import unicodedata

import jaconv

# Legal-form words and their abbreviations, longest first so 有限会社 wins over 会社.
LEGAL_FORMS = [
    "特定非営利活動法人",
    "一般社団法人",
    "公益社団法人",
    "一般財団法人",
    "公益財団法人",
    "医療法人社団",
    "医療法人財団",
    "社会福祉法人",
    "学校法人",
    "医療法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(株)",
    "(有)",
    "(合)",
    "(資)",
    "(名)",
    "(医)",
    "(社)",
    "(財)",
    "カブシキガイシャ",
    "カブシキカイシャ",
    "ユウゲンガイシャ",
    "ユウゲンカイシャ",
    "ゴウドウガイシャ",
    "カ)",
    "(カ",
    "ユ)",
    "(ユ",
]
# Circled and parenthesised ideographs are folded by NFKC to "(株)" etc. before the list above applies.

HYPHENS = "-‐‑‒–—―−ｰ－─━ー"
_HYPHEN_RE = re.compile(f"[{re.escape(HYPHENS)}]")
_SPACE_RE = re.compile(r"\s+")
_NON_DIGIT_RE = re.compile(r"\D")
_KANA_SPACE_RE = re.compile(r"[\s・･]+")


def nfkc(text):
    """Unicode NFKC plus half-width kana to full-width: one canonical width for everything."""
    if text is None:
        return ""
    text = jaconv.h2z(str(text), kana=True, ascii=False, digit=False)
    return unicodedata.normalize("NFKC", text)


def clean_text(text):
    """Trim and collapse inner spaces (full-width ones included); keeps the user's spelling otherwise."""
    return _SPACE_RE.sub(" ", nfkc(text)).strip()


def name_key(name):
    """Search key for a company or person name: no legal forms, no spaces, one width, lower case."""
    text = nfkc(name)
    for form in LEGAL_FORMS:
        text = text.replace(form, "")
    text = _SPACE_RE.sub("", text)
    text = text.replace("・", "").replace("･", "")
    return text.lower()


def kana_key(kana):
    """Search key for a reading: full-width katakana, no spaces or middle dots; hiragana folded to katakana."""
    text = jaconv.hira2kata(nfkc(kana))
    for form in ("カブシキガイシャ", "カブシキカイシャ", "ユウゲンガイシャ", "ユウゲンカイシャ", "ゴウドウガイシャ"):
        text = text.replace(form, "")
    return _KANA_SPACE_RE.sub("", text)


def search_key(text):
    """Key for free-text search input: matches name_key or kana_key of the stored record."""
    return jaconv.hira2kata(name_key(text))


def digits(text):
    """All digits of a string after width folding: '０３（１２３４）５６７８' -> '0312345678'."""
    return _NON_DIGIT_RE.sub("", nfkc(text))


def phone_key(phone):
    """Digits-only phone number in domestic form (+81 3 … becomes 03 …); '' when it has too few digits."""
    number = digits(phone)
    if number.startswith("81") and len(number) in (11, 12) and nfkc(phone).lstrip().startswith("+"):
        number = "0" + number[2:]
    return number if len(number) >= 6 else ""


def format_phone(phone):
    """Display form of a Japanese number with hyphens (phonenumbers knows the area-code lengths)."""
    import phonenumbers

    number = phone_key(phone)
    if not number:
        return clean_text(phone)
    try:
        parsed = phonenumbers.parse(number, "JP")
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def is_valid_phone(phone):
    import phonenumbers

    number = phone_key(phone)
    if not number:
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "JP"))
    except phonenumbers.NumberParseException:
        return False


def email_key(email):
    return nfkc(email).strip().lower()


def postal_key(postal_code):
    """Seven digits, or '' when the input does not have exactly seven: '〒１００－０００１' -> '1000001'."""
    number = digits(postal_code)
    return number if len(number) == 7 else ""


def format_postal_code(postal_code):
    key = postal_key(postal_code)
    return f"{key[:3]}-{key[3:]}" if key else clean_text(postal_code)


PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
]  # fmt: skip


def split_prefecture(address):
    """('東京都', '千代田区千代田1-1') from a full address; ('', address) when it names no prefecture."""
    text = clean_text(address)
    for prefecture in PREFECTURES:
        if text.startswith(prefecture):
            return prefecture, text[len(prefecture) :].strip()
    return "", text
