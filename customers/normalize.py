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
_HIRAGANA_RE = re.compile("[\u3041-\u3096\u309d\u309e]")  # what jaconv.hira2kata changes

# Legal forms as a reading gives them (after _fold_kana): spelled out, in kanji, and the bank-transfer
# abbreviations カ)… / …(カ (株式会社), ユ 有限, ド 合同, メ 合名, シ 合資, イ 医療法人, ザイ 財団, シヤ 社団,
# トクヒ NPO, ガク 学校法人, フク 社会福祉法人.
_LEGAL_FORM_READINGS = [
    f"{kind}{kaisha}" for kind in ("カブシキ", "ユウゲン", "ゴウドウ", "ゴウメイ", "ゴウシ") for kaisha in ("ガイシャ", "カイシャ")
] + [
    "イリョウホウジン(シャダン)", "イリョウホウジン(ザイダン)", "イリョウホウジンシャダン", "イリョウホウジンザイダン",
    "イリョウホウジン", "イッパンシャダンホウジン", "イッパンザイダンホウジン", "コウエキシャダンホウジン",
    "コウエキザイダンホウジン", "シャダンホウジン", "ザイダンホウジン", "トクテイヒエイリカツドウホウジン",
    "エヌピーオーホウジン", "NPOホウジン", "シャカイフクシホウジン", "ガッコウホウジン",
    # The kanji forms of LEGAL_FORMS, for readings typed with them (㈱ヤマダケンザイ).
    *(form for form in LEGAL_FORMS if any("\u4e00" <= ch <= "\u9fff" for ch in form)),
]
_ABBREVIATED_FORMS = ["カ", "ユ", "ド", "メ", "シ", "イ", "ザイ", "シヤ", "シャ", "トクヒ", "ガク", "フク"]


def _alternatives(words, *, reverse=False):
    words = sorted({w[::-1] if reverse else w for w in words}, key=lambda w: (-len(w), w))  # longest wins
    return "|".join(re.escape(w) for w in words)


# A legal form at the start: spelled out, or an abbreviation closed by a bracket (カ) or (カ)). The one at the end is
# matched at the start of the reversed text (an end-anchored pattern would be tried at every position): spelled
# out, or an abbreviation opened by a bracket ((カ or (カ)).
_LEADING_FORM_RE = re.compile(rf"(?:{_alternatives(_LEGAL_FORM_READINGS)}|\(?(?:{_alternatives(_ABBREVIATED_FORMS)})\))")
_TRAILING_FORM_REVERSED_RE = re.compile(
    rf"(?:{_alternatives(_LEGAL_FORM_READINGS, reverse=True)}|\)?(?:{_alternatives(_ABBREVIATED_FORMS, reverse=True)})\()"
)


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


def _fold_kana(text):
    """One width, katakana, no spaces or middle dots; normalized again when dropping a space let NFKC join a voiced
    mark to the kana before it, so folding a folded text changes nothing."""
    text = nfkc(text)
    for _ in range(4):
        if _HIRAGANA_RE.search(text):
            text = jaconv.hira2kata(text)
        text = _KANA_SPACE_RE.sub("", text)
        if unicodedata.is_normalized("NFKC", text) and not _HIRAGANA_RE.search(text):
            break
        text = nfkc(text)
    return text


def kana_key(kana):
    """Sort and search key of a reading: full-width katakana without spaces, middle dots or legal form.

    会社名フリガナ is usually written without the legal form (ヤマダケンザイ for 株式会社山田建材), but readings
    arrive with it too, before or after the name, spelled out (カブシキガイシャ), abbreviated as on bank transfers
    (カ), (カ …) or in kanji: the key leaves the legal form out at the start and at the end, so 株式会社 sorts
    nobody under カ. A reading that is nothing but a legal form keeps it (the key is never emptied by this).
    The reading itself is stored as typed.
    """
    folded = text = _fold_kana(kana)
    for _ in range(len(text)):  # each pass takes a form off either end, so this bound is never reached
        leading = _LEADING_FORM_RE.match(text)
        trailing = _TRAILING_FORM_REVERSED_RE.match(text[::-1])
        if not leading and not trailing:
            break
        start = leading.end() if leading else 0
        end = len(text) - trailing.end() if trailing else len(text)
        if start >= end:
            return folded  # nothing but legal forms
        text = _fold_kana(text[start:end])
    return text


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
