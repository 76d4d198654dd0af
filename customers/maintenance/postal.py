"""Which prefecture a Japanese postal code belongs to, from its first digits (Japan Post's numbering: the first
two digits name a prefecture, with a few three- and four-digit exceptions such as the Oki islands of Shimane).

Used as a plausibility check only (the worklist's "postal code does not match the prefecture"): a mismatch is a
record to look at, not an error to correct automatically. Set-based: expected_prefecture() is a SQL CASE.
"""
from django.db.models import Case, CharField, Value, When

_TWO_DIGITS = {
    "北海道": ["00", "04", "05", "06", "07", "08", "09"],
    "秋田県": ["01"], "岩手県": ["02"], "青森県": ["03"],
    "東京都": ["10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"],
    "神奈川県": ["21", "22", "23", "24", "25"], "千葉県": ["26", "27", "28", "29"],
    "茨城県": ["30", "31"], "栃木県": ["32"], "埼玉県": ["33", "34", "35", "36"], "群馬県": ["37"],
    "長野県": ["38", "39"], "山梨県": ["40"], "静岡県": ["41", "42", "43"],
    "愛知県": ["44", "45", "46", "47", "48", "49"], "岐阜県": ["50"], "三重県": ["51"], "滋賀県": ["52"],
    "大阪府": ["53", "54", "55", "56", "57", "58", "59"], "京都府": ["60", "61", "62"], "奈良県": ["63"],
    "和歌山県": ["64"], "兵庫県": ["65", "66", "67"], "鳥取県": ["68"], "島根県": ["69"],
    "岡山県": ["70", "71"], "広島県": ["72", "73"], "山口県": ["74", "75"], "香川県": ["76"], "徳島県": ["77"],
    "高知県": ["78"], "愛媛県": ["79"], "福岡県": ["80", "81", "82", "83"], "佐賀県": ["84"], "長崎県": ["85"],
    "熊本県": ["86"], "大分県": ["87"], "宮崎県": ["88"], "鹿児島県": ["89"], "沖縄県": ["90"],
    "福井県": ["91"], "石川県": ["92"], "富山県": ["93"], "新潟県": ["94", "95"], "福島県": ["96", "97"],
    "宮城県": ["98"], "山形県": ["99"],
}
# Longer prefixes that belong to another prefecture than their first two digits say.
_EXCEPTIONS = {"684": "島根県", "685": "島根県", "817": "長崎県", "8115": "長崎県"}

POSTAL_PREFIXES = sorted(
    [(prefix, pref) for pref, prefixes in _TWO_DIGITS.items() for prefix in prefixes] + list(_EXCEPTIONS.items()),
    key=lambda pair: -len(pair[0]),
)


def prefecture_for_postal(postal_key):
    """The prefecture of a 7-digit postal key, or '' when it is not one."""
    if len(postal_key or "") != 7:
        return ""
    for prefix, prefecture in POSTAL_PREFIXES:
        if postal_key.startswith(prefix):
            return prefecture
    return ""


def expected_prefecture(column="postal_key"):
    """SQL CASE giving the prefecture a customer's postal key belongs to ('' when unknown); longest prefix first."""
    return Case(
        *[When(**{f"{column}__startswith": prefix}, then=Value(prefecture)) for prefix, prefecture in POSTAL_PREFIXES],
        default=Value(""), output_field=CharField(),
    )
