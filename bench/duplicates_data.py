"""Labelled Japanese customer records for the duplicate engine: true duplicates in every variant issue 17 lists, and
hard negatives that must stay apart. Deterministic per seed; used by bench/eval_duplicates.py (precision/recall),
bench/bench_duplicates.py (1,000,000 rows) and customers/tests/test_duplicates_accuracy.py.

An entity is a company or a person; a duplicate is the same entity typed again with 1–4 variants: legal form
written another way or left out (株式会社, (株), ㈱, （株）, カ) in the reading …), full/half width, half-width kana,
spaces, long vowel typed as a hyphen, old kanji forms (髙, 﨑, 齋/斉, 邊, 澤, 濱), the address with 丁目/番/号 or
hyphens, kanji block numbers, no prefecture, the phone as +81, with brackets or in full width, another line of the
same company, a one-character slip in the name with the reading right (北斗精機 / 北斗精器), the surname or brand
written in kana (サトウ工業 / 佐藤工業), a building and room after the address, fields left empty.
Hard negatives: the same company name in another town (namesakes), another company in the same building, family
members at one address sharing the home phone, namesake people elsewhere.
"""
import random

import jaconv
from faker.providers.address.ja_JP import Provider as Address
from faker.providers.person.ja_JP import Provider as Person

SURNAMES = [pair[:2] for pair in Person.last_name_pairs] + [
    ("高橋", "タカハシ"), ("山崎", "ヤマザキ"), ("斎藤", "サイトウ"), ("渡辺", "ワタナベ"), ("高田", "タカダ"), ("長浜", "ナガハマ"),
    ("松沢", "マツザワ"), ("宮崎", "ミヤザキ"), ("高木", "タカギ"), ("浜田", "ハマダ"), ("沢田", "サワダ"), ("岩崎", "イワサキ"),
]  # fmt: skip
FIRST_NAMES = [pair[:2] for pair in (*Person.first_name_female_pairs, *Person.first_name_male_pairs)]
BRANDS = [("北斗", "ホクト"), ("丸一", "マルイチ"), ("グリーン", "グリーン"), ("ブルーオーシャン", "ブルーオーシャン"),
          ("サンライズ", "サンライズ"), ("東洋", "トウヨウ"), ("大和", "ヤマト"), ("富士", "フジ"), ("中央", "チュウオウ"),
          ("ミナト", "ミナト"), ("さくら", "サクラ"), ("光", "ヒカリ"), ("朝日", "アサヒ"), ("協和", "キョウワ"),
          ("スカイ", "スカイ"), ("ファースト", "ファースト"), ("セントラル", "セントラル"), ("エコー", "エコー")]  # fmt: skip
TRADES = [("建材", "ケンザイ"), ("工務店", "コウムテン"), ("商事", "ショウジ"), ("精機", "セイキ"), ("電機", "デンキ"),
          ("水産", "スイサン"), ("物流", "ブツリュウ"), ("食品", "ショクヒン"), ("設備", "セツビ"), ("不動産", "フドウサン"),
          ("塗装", "トソウ"), ("運輸", "ウンユ"), ("印刷", "インサツ"), ("興業", "コウギョウ"), ("フーズ", "フーズ"),
          ("テック", "テック"), ("サービス", "サービス"), ("ホーム", "ホーム"), ("商店", "ショウテン"), ("製作所", "セイサクショ")]  # fmt: skip
# A slip of one kanji with the same reading, as a hurried clerk types it.
SLIPS = {"機": "器", "精": "清", "興": "工", "業": "行", "設": "説", "商": "昭", "店": "点", "産": "算", "送": "走"}
LEGAL_FORMS = [("株式会社", "カブシキガイシャ"), ("有限会社", "ユウゲンガイシャ"), ("合同会社", "ゴウドウガイシャ")]
FORM_SPELLINGS = {"株式会社": ["株式会社", "(株)", "㈱", "（株）", "株式会社 "], "有限会社": ["有限会社", "(有)", "㈲", "（有）"],
                  "合同会社": ["合同会社", "(同)", "合同会社 "]}  # fmt: skip
OLD_FORMS = {"高": "髙", "崎": "﨑", "斎": "齋", "辺": "邊", "沢": "澤", "浜": "濱", "斉": "齊"}
PREFECTURES = ["東京都", "神奈川県", "埼玉県", "千葉県", "大阪府", "愛知県", "北海道", "福岡県", "兵庫県", "宮城県"]
AREA_CODES = ["03", "045", "048", "043", "06", "052", "011", "092", "078", "022"]
KANJI_NUMBERS = "〇一二三四五六七八九"


class Generator:
    def __init__(self, seed):
        self.random = random.Random(seed)
        self.serial = 0
        self.used_phones = set()
        self.places = {}
        self.mailboxes = 0

    # --- building blocks ------------------------------------------------------------------------------------
    def code(self):
        self.serial += 1
        return f"EV{self.serial:07d}"

    def phone(self, area=None, mobile=False):
        while True:
            if mobile:
                number = f"0{self.random.choice('789')}0-{self.random.randrange(10000):04d}-{self.random.randrange(10000):04d}"
            else:
                area = area or self.random.choice(AREA_CODES)
                local = 10 - len(area)
                digits = f"{self.random.randrange(10 ** local):0{local}d}"
                number = f"{area}-{digits[:-4]}-{digits[-4:]}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def place(self):
        """A new street address: (prefecture, postal, city+town, chome, ban, gou). Towns share a postal code."""
        index = self.random.randrange(len(PREFECTURES))
        city, town = self.random.choice(Address.cities), self.random.choice(Address.towns)
        postal = self.places.setdefault((index, city, town), f"{self.random.randrange(10 ** 7):07d}")
        numbers = (self.random.randint(1, 9), self.random.randint(1, 30), self.random.randint(1, 40))
        return {"prefecture": PREFECTURES[index], "area": AREA_CODES[index], "postal": postal, "town": city + town,
                "numbers": numbers}  # fmt: skip

    def company(self):
        first = self.random.choice(BRANDS) if self.random.random() < 0.4 else self.random.choice(SURNAMES)
        trade = self.random.choice(TRADES)
        form = self.random.choice(LEGAL_FORMS) if self.random.random() < 0.85 else None
        place = self.place()
        self.mailboxes += 1
        romaji = f"c{self.mailboxes}"
        return {"kind": "company", "core": first[0] + trade[0], "core_kana": first[1] + trade[1], "form": form,
                "first": first,
                "form_first": self.random.random() < 0.7, "place": place, "phone": self.phone(place["area"]),
                "mobile": "", "email": f"info@{romaji}.example.jp" if self.random.random() < 0.7 else ""}  # fmt: skip

    def person(self, surname=None, place=None, phone=None, not_named=()):
        surname = surname or self.random.choice(SURNAMES)
        first = self.random.choice(FIRST_NAMES)
        while first[0] in not_named or first[1] in not_named:  # a family does not name two children alike
            first = self.random.choice(FIRST_NAMES)
        place = place or self.place()
        self.mailboxes += 1
        return {"kind": "person", "core": surname[0] + " " + first[0], "core_kana": surname[1] + " " + first[1],
                "form": None, "form_first": True, "place": place, "phone": phone or self.phone(place["area"]),
                "mobile": self.phone(mobile=True) if self.random.random() < 0.5 else "",
                "email": f"p{self.mailboxes}@example.jp" if self.random.random() < 0.5 else ""}  # fmt: skip

    # --- writing an entity down ---------------------------------------------------------------------------
    def render(self, entity, variants=()):
        """One customer row of the entity, written plainly or with the given variants."""
        core, kana = entity["core"], entity["core_kana"]
        if "slip" in variants:
            slips = [ch for ch in core if ch in SLIPS]
            if slips:
                core = core.replace(slips[0], SLIPS[slips[0]], 1)
        if "kana_core" in variants and "first" in entity:  # the surname or brand written in its reading
            core = core.replace(entity["first"][0], entity["first"][1], 1)
        if "old_kanji" in variants:
            for new, old in OLD_FORMS.items():
                core = core.replace(new, old)
        if "long_vowel" in variants:
            core = core.replace("ー", self.random.choice(["－", "-", "‐", "ｰ"]))
            kana = kana.replace("ー", self.random.choice(["－", "-"]))
        if "spaces" in variants and entity["kind"] == "company":
            core = core[:2] + " " + core[2:]
        if "no_space" in variants:
            core, kana = core.replace(" ", ""), kana.replace(" ", "")
        name = core
        form = entity["form"]
        if form is not None:
            spelling = self.random.choice(FORM_SPELLINGS[form[0]]) if "legal_form" in variants else form[0]
            form_first = entity["form_first"] if "legal_form" not in variants else self.random.random() < 0.5
            name = spelling + name if form_first else name + spelling
            if "kana_form" in variants:
                kana = self.random.choice(["カ)", "(カ)", form[1] + " "]) + kana
        if "kana_name" in variants and entity["kind"] == "person":
            name = jaconv.z2h(kana, kana=True)
        if "width" in variants:
            name = jaconv.h2z(name, ascii=True, digit=True)
            kana = jaconv.z2h(kana, kana=True)
        if "hiragana" in variants:
            kana = jaconv.kata2hira(kana)
        if "no_kana" in variants:
            kana = ""

        place = entity["place"]
        chome, ban, gou = place["numbers"]
        street = f"{chome}-{ban}-{gou}"
        if "blocks" in variants:
            street = self.random.choice([f"{chome}丁目{ban}番{gou}号", f"{KANJI_NUMBERS[chome]}丁目{ban}番{gou}号",
                                         f"{chome}丁目{ban}-{gou}", f"{chome}－{ban}－{gou}"])  # fmt: skip
        address = place["prefecture"] + place["town"] + street
        if "no_prefecture" in variants:
            address = place["town"] + street
        if "building" in variants:
            address += self.random.choice(["", " "]) + self.random.choice(Address.building_names) + \
                f"{self.random.randint(1, 9)}0{self.random.randint(1, 9)}"
        if "width" in variants:
            address = jaconv.h2z(address, ascii=True, digit=True)
        postal = place["postal"]
        postal = f"{postal[:3]}-{postal[3:]}" if self.random.random() < 0.6 else postal
        if "no_postal" in variants:
            postal = ""

        phone = entity["phone"]
        if "phone_format" in variants:
            digits = phone.replace("-", "")
            phone = self.random.choice(["+81-" + phone[1:], f"+81 {digits[1:]}", phone.replace("-", "", 1),
                                        jaconv.h2z(phone, digit=True, ascii=True), digits,
                                        phone.replace("-", "(", 1).replace("-", ")", 1)])  # fmt: skip
        if "other_line" in variants:
            phone = phone[:-1] + str((int(phone[-1]) + 1) % 10)
        if "no_phone" in variants:
            phone = ""
        email = entity["email"]
        if "email_case" in variants:
            email = email.upper()
        if "no_email" in variants:
            email = ""
        return {"code": self.code(), "kind": entity["kind"], "name": name, "name_kana": kana, "phone": phone,
                "mobile": entity["mobile"] if "no_phone" not in variants else "", "email": email, "postal_code": postal,
                "prefecture": "", "address": address}  # fmt: skip

    VARIANTS = ["legal_form", "kana_form", "width", "hiragana", "spaces", "long_vowel", "old_kanji", "blocks",
                "no_prefecture", "phone_format", "email_case", "slip", "other_line", "no_kana", "no_postal",
                "no_email", "no_phone", "kana_name", "kana_core", "building"]  # fmt: skip
    # At most one of these per copy: a copy missing all of its contact details is a guess, not a duplicate.
    LOSSY = {"other_line", "no_phone", "no_email", "no_postal", "no_kana", "slip", "kana_name"}

    def variant_set(self, entity):
        chosen = set(self.random.sample(self.VARIANTS, self.random.randint(1, 4)))
        lossy = sorted(chosen & self.LOSSY)
        if len(lossy) > 1:
            chosen -= set(lossy[1:])
        if entity["kind"] == "person":
            chosen -= {"legal_form", "kana_form", "spaces"}
        else:
            chosen.discard("kana_name")
        if entity["kind"] == "person":
            chosen.discard("kana_core")
        return chosen or {"width"}


def iter_groups(seed, *, duplicate_rate=0.3):
    """Endless (rows, true pairs) per entity: the entity, its duplicates and its hard negatives."""
    gen = Generator(seed)
    while True:
        rows, pairs = [], set()
        roll = gen.random.random()
        entity = gen.company() if roll < 0.6 else gen.person()
        group = [gen.render(entity)]
        if gen.random.random() < duplicate_rate:
            for _copy in range(1 if gen.random.random() < 0.8 else 2):
                group.append(gen.render(entity, gen.variant_set(entity)))
        codes = [row["code"] for row in group]
        pairs.update((a, b) if a < b else (b, a) for i, a in enumerate(codes) for b in codes[i + 1:])
        rows.extend(group)
        roll = gen.random.random()
        if roll < 0.08:  # a namesake elsewhere: same name, other town, other phone and e-mail
            namesake = dict(entity, place=gen.place(), email="")
            namesake["phone"] = gen.phone(namesake["place"]["area"])
            namesake["mobile"] = gen.phone(mobile=True) if entity["mobile"] else ""
            rows.append(gen.render(namesake, {"legal_form"} if entity["kind"] == "company" else ()))
        elif roll < 0.14 and entity["kind"] == "company":  # another company in the same building
            neighbour = gen.company()
            neighbour["place"] = dict(entity["place"], numbers=entity["place"]["numbers"])
            if gen.random.random() < 0.5:  # sharing the first half of the name: 山田建材 and 山田設計
                trade = gen.random.choice([t for t in TRADES if t[0] not in entity["core"]])
                neighbour["core"] = entity["core"][:2] + trade[0]
                neighbour["core_kana"] = entity["core_kana"][: len(entity["core_kana"]) // 2] + trade[1]
            rows.append(gen.render(neighbour))
        elif roll < 0.22 and entity["kind"] == "person":  # family members: one home, one home phone
            surname = (entity["core"].split(" ")[0], entity["core_kana"].split(" ")[0])
            named = {entity["core"].split(" ")[1], entity["core_kana"].split(" ")[1]}
            for _member in range(gen.random.randint(1, 2)):
                member = gen.person(surname=surname, place=entity["place"], phone=entity["phone"], not_named=named)
                named |= {member["core"].split(" ")[1], member["core_kana"].split(" ")[1]}
                rows.append(gen.render(member))
        yield rows, pairs


def generate(seed, *, entities=1000, duplicate_rate=0.3):
    """(rows, true pairs): customer rows as dicts and the set of (code, code) pairs, code order, that are one."""
    rows, pairs = [], set()
    groups = iter_groups(seed, duplicate_rate=duplicate_rate)
    for _ in range(entities):
        group_rows, group_pairs = next(groups)
        rows.extend(group_rows)
        pairs |= group_pairs
    return rows, pairs
