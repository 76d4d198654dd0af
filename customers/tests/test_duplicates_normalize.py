"""The normalizer's comparison keys (customers.normalize): properties (the key of a key is itself) and the variants of
issue 17 and of the messy sample file meeting on one key."""
import csv
import io
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from customers import normalize

SAMPLE = Path(__file__).parent / "data" / "customers_messy_cp932.csv"
NAME_ALPHABET = st.sampled_from(["株式会社", "(株)", "㈱", "（株）", "有限会社", "(有)", "合同会社", "医療法人社団", "カ)",
                                 "ｶ)", "(カ", "[株]", "【有】", "山田", "髙", "﨑", "齋", "斉", "邊", "ー", "－", "-", "‐",
                                 "ｰ", "ﾔﾏﾀﾞ", "ﾞ", "ﾟ", " ", "\u3000", "・", "A", "ａ", ".", "Co.,Ltd.", "inc.", "1",
                                 "１", "丁目", "番", "号", "の", "一", "十", "東京都", "ヶ", "が", "字", "大字"])  # fmt: skip
MIXED = st.one_of(st.lists(NAME_ALPHABET, max_size=10).map("".join), st.text(max_size=20))


@settings(max_examples=400)
@given(MIXED)
@example("株株式会社式会社")
@example("(株(株))")
@example("[[株]株]")
def test_name_key_of_a_name_key_is_itself(text):
    key = normalize.name_key(text)
    assert normalize.name_key(key) == key


@settings(max_examples=400)
@given(MIXED)
@example("一丁目一番一号")
@example("東京都東京都千代田")
@example("1丁目の2")
def test_address_key_of_an_address_key_is_itself(text):
    key = normalize.address_key(text)
    assert normalize.address_key(key) == key


@settings(max_examples=300)
@given(MIXED)
@example("ヶﾞ")
@example("ヵ)ヤマダ")
def test_the_other_keys_of_their_keys_are_themselves(text):
    for function in (normalize.kana_key, normalize.kana_compare_key, normalize.email_key, normalize.postal_key,
                     normalize.phone_key):  # fmt: skip
        key = function(text)
        assert function(key) == key, function.__name__


FORMS = ["株式会社", "(株)", "㈱", "（株）", "有限会社", "(有)", "（有）", "合同会社", "医療法人社団", "[株]", "【株】",
         "株式 会社", "(同)", "(一社)"]  # fmt: skip
PLACES = ["{form}北斗精機", "北斗精機{form}", "北斗{form}精機", "{form} 北斗精機", "ﾎｸﾄ{form}"]


@given(st.sampled_from(FORMS), st.sampled_from(PLACES))
def test_a_legal_form_goes_in_any_position_and_width(form, pattern):
    name = pattern.format(form=form)
    assert normalize.name_key(name) == normalize.name_key(pattern.format(form=""))


@pytest.mark.parametrize(
    ("variants", "key"),
    [(["髙橋建設", "高橋建設"], "高橋建設"), (["山﨑商店", "山崎商店", "山嵜商店"], "山崎商店"),
     (["齋藤工業", "斎藤工業", "斉藤工業", "齊藤工業"], "斎藤工業"), (["渡邊", "渡邉", "渡辺"], "渡辺"),
     (["ブルーオーシャン", "ブル－オーシャン", "ブル-オーシャン", "ﾌﾞﾙｰｵｰｼｬﾝ", "ブル‐オーシャン"], "ブルーオーシャン"),
     (["ＡＢＣ商事", "abc商事", "A B C 商事"], "abc商事"), (["山田建材 Co.,Ltd.", "山田建材 Inc."], "山田建材")],
)  # fmt: skip
def test_spelling_variants_of_a_name_meet(variants, key):
    assert {normalize.name_key(variant) for variant in variants} == {key}


@pytest.mark.parametrize(
    ("variants", "key"),
    [(["横浜市西区高島2-3-4", "神奈川県横浜市西区高島2丁目3番4号", "横浜市西区高島二丁目3番4号", "横浜市西区高島２－３－４",
       "横浜市西区高島2丁目3-4", "横浜市 西区 高島 2ー3ー4"], "横浜市西区高島2-3-4"),
     (["北海道札幌市中央区北一条西2", "札幌市中央区北1条西2"], "札幌市中央区北1条西2"),
     (["千代田区霞が関3-2-1", "千代田区霞ヶ関三丁目2番1号", "千代田区霞ケ関3-2-1"], "千代田区霞ケ関3-2-1"),
     (["上野町123番地の4", "上野町123-4", "大字上野町123番地4"], "上野町123-4")],
)  # fmt: skip
def test_address_variants_meet(variants, key):
    assert {normalize.address_key(variant) for variant in variants} == {key}


@pytest.mark.parametrize("phone", ["+81-3-1234-5678", "+81 3 1234 5678", "(+81)3-1234-5678", "+81 (0)3-1234-5678",
                                   "03-1234-5678 内線12", "03-1234-5678 ext. 12", "０３（１２３４）５６７８"])  # fmt: skip
def test_phone_variants_meet(phone):
    assert normalize.phone_key(phone) == "0312345678"


def test_a_number_beginning_81_without_a_plus_is_domestic():
    assert normalize.phone_key("0812-34-5678") == "0812345678"


def sample_groups():
    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_bytes().decode("cp932"))))
    by_code = {row["code"]: row for row in rows}
    pairs = [("C0001", "C0002"), ("C0003", "C0004"), ("C0005", "C0006"), ("C0010", "C0011"), ("C0013", "C0014"),
             ("C0007", "C0008")]  # fmt: skip
    return [(by_code[a], by_code[b]) for a, b in pairs]


@pytest.mark.parametrize(("first", "second"), sample_groups(), ids=lambda row: row["code"])
def test_the_variants_of_the_sample_file_meet(first, second):
    names = {normalize.name_key(first["name"]), normalize.name_key(second["name"])}
    if first["code"] == "C0013":  # 佐藤 一郎 / ｻﾄｳ ｲﾁﾛｳ: the second name is written as its reading
        names = {normalize.name_key(first["name_kana"]), normalize.name_key(second["name"])}
    assert len(names) == 1
    for field, key in (("phone", normalize.phone_key), ("postal_code", normalize.postal_key),
                       ("address", normalize.address_key)):  # fmt: skip
        if first[field] and second[field] and first["code"] != "C0007":  # グリーンフーズ: two lines of one company
            assert key(first[field]) == key(second[field]), field
    if first["name_kana"] and second["name_kana"]:
        assert normalize.kana_key(first["name_kana"]) == normalize.kana_key(second["name_kana"])


@pytest.mark.django_db
def test_the_migration_recomputes_the_name_and_kana_keys_stored_before():
    import importlib

    from django.apps import apps

    from customers.models import Customer

    customer = Customer(code="A", name="髙橋建設【株】", name_kana="ブル－オーシャン")
    customer.save()
    Customer.objects.filter(pk=customer.pk).update(name_key="髙橋建設【株】", kana_key="ブル-オーシャン")  # the old keys
    migration = importlib.import_module("customers.migrations.0011_duplicates")
    migration.recompute_keys(apps, None)
    customer.refresh_from_db()
    assert (customer.name_key, customer.kana_key) == ("高橋建設", "ブルーオーシャン")
