"""The one normalizer for customer data: every import, form, search and duplicate check goes through it.

Japanese business data arrives in many spellings of the same thing: full- and half-width characters,
half-width kana, legal-form words (株式会社, (株), ㈱ …), hyphen variants and brackets in phone numbers.
Search keys are the canonical forms, stored beside the data and indexed.
"""
import functools
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
    "(同)",
    "(一社)",
    "(公社)",
    "(一財)",
    "(公財)",
    "(福)",
    "(学)",
    "(特非)",
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
# Every legal form contains one of these, so a name without any has no legal form to take out.
_LEGAL_FORM_HINTS = ("法人", "会社", "(", ")", "イシャ", "[", "【", "〔", "〈", "《")  # customers/tests/test_import_fast_paths.py holds them to it
_LEGAL_FORM_HINT_RE = re.compile("|".join(re.escape(hint) for hint in _LEGAL_FORM_HINTS))

HYPHENS = "-‐‑‒–—―−ｰ－─━ー"
_HYPHEN_RE = re.compile(f"[{re.escape(HYPHENS)}]")
# In names and readings a hyphen after kana is a long vowel typed on the wrong key (ブル－オーシャン); the keys take
# every hyphen-like mark as ー, so both spellings meet (a hyphen between letters or digits becomes ー alike).
_LONG_VOWEL_TABLE = str.maketrans(dict.fromkeys(HYPHENS + "-~〜～", "ー"))
# Old and variant forms of kanji common in Japanese names and places, folded to the everyday form for comparison
# keys only (the name is stored as written). 斉 and 齊 go to 斎 as 齋 does: the three are one family name written
# three ways in customer lists, and a key that meets them costs less than a missed duplicate.
KANJI_VARIANTS = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "碕": "崎", "齋": "斎", "齊": "斎", "斉": "斎", "邊": "辺", "邉": "辺",
    "濱": "浜", "濵": "浜", "澤": "沢", "櫻": "桜", "廣": "広", "國": "国", "藏": "蔵", "眞": "真", "德": "徳",
    "冨": "富", "實": "実", "惠": "恵", "榮": "栄", "會": "会", "學": "学", "關": "関", "條": "条", "萬": "万",
    "瀨": "瀬", "峯": "峰", "嶋": "島", "嶌": "島", "舘": "館", "槇": "槙", "籠": "篭", "龍": "竜", "顯": "顕",
    "將": "将", "壽": "寿", "淺": "浅", "莊": "荘", "驒": "騨", "縣": "県", "瀧": "滝", "戶": "戸", "黑": "黒",
    "兒": "児", "圓": "円", "豐": "豊", "禮": "礼", "傳": "伝", "爲": "為", "寳": "宝", "寶": "宝", "增": "増",
    "驛": "駅", "鐵": "鉄", "靜": "静", "乘": "乗", "來": "来",
    "龜": "亀", "亞": "亜", "惡": "悪", "圖": "図", "團": "団", "檜": "桧", "栁": "柳", "鷗": "鴎",
}  # fmt: skip
_KANJI_TABLE = str.maketrans({old: new for old, new in KANJI_VARIANTS.items() if old != new})
# str.translate looks every character up in the table: a search for any of them first is cheaper for the text that
# has none (most of it).
_KANJI_RE = re.compile("[" + "".join(KANJI_VARIANTS) + "]")
_LONG_VOWEL_RE = re.compile("[" + re.escape(HYPHENS + "-~〜～") + "]")


def fold_kanji(text):
    """Old and variant kanji forms as the everyday ones (髙橋 -> 高橋)."""
    return text.translate(_KANJI_TABLE) if _KANJI_RE.search(text) else text


def _fold_long_vowels(text):
    return text.translate(_LONG_VOWEL_TABLE) if _LONG_VOWEL_RE.search(text) else text
_NON_DIGIT_RE = re.compile(r"\D")
_KANA_SPACE_RE = re.compile(r"[\s・･]+")
_HALFWIDTH_KANA_RE = re.compile("[\uff61-\uff9f]")  # what jaconv.h2z(kana=True) converts
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
    text = str(text)
    if text.isascii():
        return text  # ASCII is its own NFKC (codes, phones, e-mail addresses: most cells of an import)
    if _HALFWIDTH_KANA_RE.search(text):  # jaconv changes nothing else, and costs 20x the NFKC (imports)
        text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    return unicodedata.normalize("NFKC", text)


def clean_text(text):
    """Trim and collapse inner spaces (full-width ones included); keeps the user's spelling otherwise."""
    return " ".join(nfkc(text).split())  # str.split() splits where \s+ matches, at a third of the cost


# Legal forms in any bracket ([株], 【有】, 〔一社〕 …; round ones are in LEGAL_FORMS already) and the English ones.
_BRACKETED_FORM_RE = re.compile(r"[\[【〔〈《]\s*(?:株|有|合|同|資|名|医|社|財|一社|公社|一財|公財|福|学|特非)\s*[\]】〕〉》]")
_ENGLISH_FORM_RE = re.compile(r"(?:co\.?,?ltd\.?|inc\.|corp\.|k\.k\.|llc\.?)$")
_NAME_PUNCTUATION = str.maketrans("", "", "・･.,、。'\"")


def _name_key_once(text):
    text = "".join(nfkc(text).split())  # spaces first: 株式 会社 is a legal form too
    if _LEGAL_FORM_HINT_RE.search(text):  # most names have none: 40 replace calls saved
        text = _BRACKETED_FORM_RE.sub("", text)
        for form in LEGAL_FORMS:
            text = text.replace(form, "")
    text = text.lower()
    if "." in text or "llc" in text:
        text = _ENGLISH_FORM_RE.sub("", text)
    return fold_kanji(_fold_long_vowels(text.translate(_NAME_PUNCTUATION)))


@functools.lru_cache(maxsize=4096)  # an import asks for a row's key twice: in the check and for duplicates
def name_key(name):
    """Search and comparison key for a company or person name: no legal forms (anywhere, any width or bracket),
    no spaces or middle dots, one width, lower case, every hyphen or long-vowel mark as ー, old kanji forms as the
    everyday ones (髙橋 and 高橋 meet). Taking a legal form out can close up another (株株式会社式会社), so the
    steps repeat until nothing changes: the key of a key is itself."""
    text = nfkc(name)
    for _ in range(8):
        key = _name_key_once(text)
        if key == text:
            break
        text = key
    return text


def _fold_kana(text):
    """One width, katakana, no spaces or middle dots; normalized again when dropping a space let NFKC join a voiced
    mark to the kana before it, so folding a folded text changes nothing."""
    text = nfkc(text)
    for _ in range(4):
        if _HIRAGANA_RE.search(text):
            text = jaconv.hira2kata(text)
        text = _fold_long_vowels(_KANA_SPACE_RE.sub("", text))
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
    text = nfkc(text)
    plain = text.replace("-", "")
    if plain.isascii() and plain.isdigit():  # 03-1234-5678, as most are written: no pattern needed
        return plain
    return _NON_DIGIT_RE.sub("", text)


_EXTENSION_RE = re.compile(r"(?:内線|ext\.?|ｅｘｔ|x|#)", re.IGNORECASE)


def phone_key(phone):
    """Digits-only phone number in domestic form (+81 3 …, (+81)3 …, +81 (0)3 … become 03 …), an extension
    (内線 12, ext. 12) left off; '' when it has too few digits."""
    text = nfkc(phone)
    if not text.isascii() or "x" in text.lower() or "#" in text:
        text = _EXTENSION_RE.split(text, maxsplit=1)[0]
    number = digits(text)
    if number.startswith("81") and text[: text.find("8")].strip(" (").endswith("+"):
        number = number[2:]
        number = number if number.startswith("0") else "0" + number  # +81 (0)3 … keeps its trunk 0 once
    return number if len(number) >= 6 else ""


class _JapaneseNumbers:
    """phonenumbers' own rules for a Japanese number written the domestic way (0 + the national significant
    number), with its patterns compiled once: is it valid (phonenumbers' _number_type_helper is not UNKNOWN), and
    its NATIONAL format. phonenumbers looks every pattern up again on each call, which made it most of the cost
    of checking an imported row; customers/tests/test_import_fast_paths.py holds the two to the same answers."""

    TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
             "fixed_line", "mobile")  # fmt: skip

    def __init__(self):
        from phonenumbers import phonenumberutil

        metadata = phonenumberutil.PhoneMetadata.metadata_for_region("JP")
        self.general = self._desc(metadata.general_desc)
        types = {name: self._desc(getattr(metadata, name)) for name in self.TYPES}
        if metadata.same_mobile_and_fixed_line_pattern:
            types.pop("mobile")  # phonenumbers then never tries the mobile pattern on its own
        # Valid is "any type but UNKNOWN", so the order is free: the usual types first.
        self.types = sorted((desc for desc in types.values() if desc is not None),
                            key=lambda desc: desc not in (types["fixed_line"], types.get("mobile")))  # fmt: skip
        self.formats = []
        for number_format in metadata.number_format:  # NATIONAL uses these, never intl_number_format
            rule = number_format.format
            if number_format.national_prefix_formatting_rule:
                rule = phonenumberutil._FIRST_GROUP_PATTERN.sub(number_format.national_prefix_formatting_rule, rule,
                                                                 count=1)  # fmt: skip
            leading = number_format.leading_digits_pattern
            pattern = re.compile(number_format.pattern)
            self.formats.append((re.compile(leading[-1]) if leading else None, pattern, rule,
                                 self._template(pattern, rule)))  # fmt: skip

    @staticmethod
    def _template(pattern, rule):
        """The rule (\\1-\\2-\\3) as a str.format template, to fill in from the match at hand instead of re.sub
        expanding the rule again on every call; None when only re.sub gives the same answer (a rule with anything
        but single-digit group references, a pattern that could match again where the number ends)."""
        if pattern.match("") is not None or "(?<" in pattern.pattern:
            return None
        if not re.fullmatch(r"(?:[^\\{}]|\\[1-9](?![0-9]))*", rule):
            return None
        return re.sub(r"\\([1-9])", r"{\1}", rule)

    @staticmethod
    def _desc(desc):
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length), re.compile(desc.national_number_pattern)

    @staticmethod
    def _matches(desc, nsn):
        lengths, pattern = desc
        return (not lengths or len(nsn) in lengths) and pattern.fullmatch(nsn) is not None

    def is_valid(self, nsn):
        if self.general is None or not self._matches(self.general, nsn):
            return False
        length = len(nsn)
        for lengths, pattern in self.types:  # _matches, inlined: a call per type was a third of the cost
            if (not lengths or length in lengths) and pattern.fullmatch(nsn) is not None:
                return True
        return False

    def national_format(self, nsn):
        for leading, pattern, rule, template in self.formats:
            if leading is not None and not leading.match(nsn):
                continue
            match = pattern.match(nsn)  # the first match re.sub replaces; all of the number: a full match
            if template is not None and match is not None and match.end() == len(nsn):
                return template.format(None, *match.groups(""))  # re.sub puts "" for a group that took no part
            if pattern.fullmatch(nsn):
                return pattern.sub(rule, nsn)
        return nsn


@functools.cache
def _japanese_numbers():
    return _JapaneseNumbers()


@functools.lru_cache(maxsize=1024)
def _phone_verdict(number):
    """(is it valid, display form) for a phone_key. Remembered: an import asks for both, one after the other."""
    import phonenumbers

    # 0 then the national number: phonenumbers.parse(number, "JP") drops the trunk 0 of a valid one. Not 00…
    # (leading zeros of their own) nor 010… (Japan's international call prefix): those take the long way.
    if number.startswith("0") and not number.startswith(("00", "010")):
        japan = _japanese_numbers()
        if japan.is_valid(number[1:]):
            return True, japan.national_format(number[1:])
    try:
        parsed = phonenumbers.parse(number, "JP")
    except phonenumbers.NumberParseException:
        return False, number
    if not phonenumbers.is_valid_number(parsed):
        return False, number
    return True, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def format_phone(phone):
    """Display form of a Japanese number with hyphens (phonenumbers knows the area-code lengths)."""
    number = phone_key(phone)
    if not number:
        return clean_text(phone)
    return _phone_verdict(number)[1]


def is_valid_phone(phone):
    number = phone_key(phone)
    return bool(number) and _phone_verdict(number)[0]


def phone_verdict(phone):
    """(is_valid_phone(phone), format_phone(phone)) with the number worked out once, for the import's check."""
    number = phone_key(phone)
    if not number:
        return False, clean_text(phone)
    return _phone_verdict(number)


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


# No prefecture begins another, so the first characters of an address name at most one: a set lookup per length
# instead of 47 startswith (customers/tests/test_import_fast_paths.py holds split_prefecture to the loop).
_PREFECTURE_SET = frozenset(PREFECTURES)
_PREFECTURE_LENGTHS = sorted({len(prefecture) for prefecture in PREFECTURES})


def split_prefecture(address):
    """('東京都', '千代田区千代田1-1') from a full address; ('', address) when it names no prefecture."""
    text = clean_text(address)
    for length in _PREFECTURE_LENGTHS:
        if text[:length] in _PREFECTURE_SET:
            return text[:length], text[length:].strip()
    return "", text


# --- addresses ------------------------------------------------------------------------------------------------

_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER_RE = re.compile(r"[〇一二三四五六七八九十百]+(?=丁目|丁|番地|番|号|条|線|地割|の[0-9〇一二三四五六七八九十])")
# 1丁目2番3号, 1丁目2-3, 1番地の2 …: the block numbers joined by hyphens as most people write them.
_BLOCK_WORD_RE = re.compile(r"(?<=[0-9])(?:丁目|丁|番地の|番地|番の|番|号の|の)(?=[0-9])")
_BLOCK_END_RE = re.compile(r"(?<=[0-9])(?:丁目|番地|番|号)")
_ADDRESS_NOISE = str.maketrans({"ヶ": "ケ", "ヵ": "ケ", "が": "ケ", "ガ": "ケ", "之": "ノ", "の": "ノ"})
_AZA_RE = re.compile(r"大字|字")


def _kanji_number(text):
    """'二十三' -> '23', '十' -> '10', '百五' -> '105', '一〇' -> '10' (positional or with 十/百)."""
    if "十" not in text and "百" not in text:
        return "".join(str(_KANJI_DIGITS[ch]) for ch in text)
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[ch]
    return str(total + current)


_ADDRESS_NOISE_RE = re.compile("[ヶヵがガ之の]")
_KANJI_DIGIT_RE = re.compile("[〇一二三四五六七八九十百]")


def _address_key_once(text):
    text = "".join(nfkc(text).split())
    for length in _PREFECTURE_LENGTHS:  # split_prefecture, without normalizing again
        if text[:length] in _PREFECTURE_SET:
            text = text[length:]
            break
    if _KANJI_DIGIT_RE.search(text):
        text = _KANJI_NUMBER_RE.sub(lambda match: _kanji_number(match.group()), text)
    text = _fold_long_vowels(text).replace("ー", "-")
    text = _BLOCK_WORD_RE.sub("-", text)
    text = _BLOCK_END_RE.sub("", text)
    if "字" in text:
        text = _AZA_RE.sub("", text)
    text = fold_kanji(text)
    if _ADDRESS_NOISE_RE.search(text):
        text = text.translate(_ADDRESS_NOISE)
    return text.lower().strip("-")


def address_key(address):
    """Comparison key of an address: no prefecture (often left out), no spaces, one width, kanji block numbers
    as digits and 丁目/番(地)/号 as hyphens (北一条西2, 2丁目3番4号 -> 北1条西2, 2-3-4), ヶ/ケ/が alike, old kanji
    forms folded. 'Where is it', not a postal address: it is never shown. Repeated until stable like name_key."""
    text = nfkc(address)
    for _ in range(8):
        key = _address_key_once(text)
        if key == text:
            break
        text = key
    return text


_SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶヂヅヲヴ", "アイウエオツヤユヨワカケジズオブ")


def kana_compare_key(kana):
    """kana_key with small kana as large ones (bank-transfer readings have only large kana: キヤノン for キャノン) and
    the kana two spellings share as one (ヂ/ジ, ヅ/ズ, ヲ/オ, ヴ/ブ). Repeated until stable: a large kana can take a
    voiced mark NFKC joins (ヶ゛ -> ゲ) or close up a legal form (ヵ) -> カ))."""
    text = kana
    for _ in range(8):
        key = kana_key(text).translate(_SMALL_KANA)
        if key == text:
            break
        text = key
    return text
