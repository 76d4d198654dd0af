"""The duplicate engine over stored customers: blocking finds the pairs, the score keeps the true ones, namesakes
elsewhere and neighbours in one building stay apart, and a rejected pair is never proposed again."""
import csv
import io
from pathlib import Path

import pytest

from customers.duplicates import engine
from customers.duplicates.scoring import Record, reasons_text, score_pair
from customers.models import Customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SAMPLE = Path(__file__).parent / "data" / "customers_messy_cp932.csv"
# The pairs a person reading the sample file calls one customer (rows 19 and 20 are junk, 9/12/17/18 alone).
SAMPLE_DUPLICATES = {("C0001", "C0002"), ("C0003", "C0004"), ("C0005", "C0006"), ("C0007", "C0008"),
                     ("C0010", "C0011"), ("C0013", "C0014"), ("C0015", "C0016")}  # fmt: skip


def make(code, name, *, kana="", phone="", email="", postal="", address="", kind="company", **extra):
    customer = Customer(code=code, name=name, name_kana=kana, phone=phone, email=email, postal_code=postal,
                        address=address, kind=kind, **extra)  # fmt: skip
    customer.save()
    return customer


def found_pairs(**options):
    return {(match.a.code, match.b.code) for match in engine.find_duplicates(**options)}


def load_sample():
    rows = csv.DictReader(io.StringIO(SAMPLE.read_bytes().decode("cp932")))
    for row in rows:
        make(row["code"], row["name"], kana=row["name_kana"], phone=row["phone"], email=row["email"],
             postal=row["postal_code"], address=row["address"], kind=row["kind"])  # fmt: skip


def test_it_finds_exactly_the_duplicates_of_the_sample_file():
    load_sample()
    assert found_pairs() == SAMPLE_DUPLICATES


def test_it_pairs_hokuto_seiki_and_seiki_at_the_same_address_with_the_same_reading():
    make("A", "株式会社北斗精機", kana="ホクトセイキ", phone="011-200-3000", postal="060-0001", address="北海道札幌市中央区北一条西2")
    make("B", "北斗精器株式会社", kana="ホクトセイキ", phone="011-200-3001", postal="0600001", address="札幌市中央区北1条西2")
    [match] = engine.find_duplicates()
    assert match.score >= 85
    assert "same reading" in reasons_text(match.reasons) and "same address" in reasons_text(match.reasons)


def test_companies_sharing_a_common_name_in_different_places_are_not_duplicates():
    for i, (postal, address, phone) in enumerate([("060-0001", "北海道札幌市中央区北1条西2", "011-200-3000"),
                                                  ("100-0001", "東京都千代田区千代田1-1", "03-1234-5678"),
                                                  ("530-0001", "大阪府大阪市北区梅田2-5-25", "06-6000-1111")]):  # fmt: skip
        make(f"S{i}", "株式会社サクラ商事", kana="サクラショウジ", phone=phone, postal=postal, address=address)
    assert found_pairs() == set()
    assert found_pairs(min_score=0)  # they were compared (blocked by name), and scored low


def test_namesakes_in_one_town_at_other_house_numbers_are_not_duplicates():
    make("A", "丸一商店", phone="0138-22-1111", postal="040-0063", address="北海道函館市若松町9-19")
    make("B", "丸一商店", phone="0138-22-2222", postal="040-0063", address="函館市若松町12-3")
    assert found_pairs() == set()


def test_two_companies_in_one_building_are_not_duplicates():
    make("A", "山田建材株式会社", kana="ヤマダケンザイ", phone="03-1111-2222", postal="100-0001", address="東京都千代田区千代田1-1")
    make("B", "山田建設株式会社", kana="ヤマダケンセツ", phone="03-1111-3333", postal="100-0001", address="東京都千代田区千代田1-1")
    assert found_pairs() == set()


def test_family_members_at_one_address_are_not_duplicates():
    common = {"phone": "045-111-2222", "postal": "220-0011", "address": "神奈川県横浜市西区高島2-3-4", "kind": "person"}
    make("A", "佐々木 美智子", kana="ササキ ミチコ", **common)
    make("B", "佐々木 美智代", kana="ササキ ミチヨ", **common)
    make("C", "佐々木 一郎", kana="ササキ イチロウ", **common)
    assert found_pairs() == set()


def test_family_members_stay_apart_when_the_file_did_not_say_they_are_people():
    common = {"phone": "045-111-2222", "postal": "220-0011", "address": "横浜市西区高島2-3-4"}
    make("A", "佐々木 美智子", kana="ササキ ミチコ", **common)  # kind left at its default: company
    make("B", "佐々木 美智代", kana="ササキ ミチヨ", **common)
    assert found_pairs() == set()


def test_a_name_written_half_in_kana_is_found_by_its_reading_and_address():
    make("A", "佐藤工業株式会社", kana="サトウコウギョウ", postal="100-0001", address="東京都千代田区千代田1-1")
    make("B", "サトウ工業", kana="サトウコウギョウ", postal="100-0001", address="千代田区千代田1丁目1番")
    make("C", "サトウ工業", kana="サトウコウギョウ", postal="530-0001", address="大阪府大阪市北区梅田2-5-25")
    assert found_pairs() == {("A", "B")}


@pytest.mark.parametrize("kana", ["キョウワデンキ", ""])
def test_a_name_with_its_first_part_in_kana_meets_the_name_in_kanji_by_the_reading(kana):
    make("A", "協和電機株式会社", kana="キョウワデンキ", phone="03-0847-4907", address="横浜市緑区箪笥町9-2-20")
    make("B", "キョウワ電機", kana=kana, phone="03-0847-4907", address="横浜市緑区箪笥町9-2-20 クレスト901")
    assert found_pairs() == {("A", "B")}


def test_one_company_whose_reading_was_typed_two_ways_is_one():
    make("A", "日本建材株式会社", kana="ニホンケンザイ", phone="03-1111-2222")
    make("B", "日本建材(株)", kana="ニッポンケンザイ", phone="03-1111-2222")
    assert found_pairs() == {("A", "B")}


@pytest.mark.parametrize(
    ("first", "second"),
    [("髙橋建設株式会社", "(株)高橋建設"), ("山﨑商店", "山崎商店"), ("齋藤工業㈱", "斉藤工業（株）"),
     ("ブルーオーシャン合同会社", "ブル－オーシャン"), ("ｸﾞﾘｰﾝﾌｰｽﾞ", "グリーンフーズ株式会社")],
)  # fmt: skip
def test_spelling_variants_with_one_phone_are_duplicates(first, second):
    make("A", first, phone="+81-3-1234-5678")
    make("B", second, phone="03(1234)5678")
    assert found_pairs() == {("A", "B")}


def test_a_merged_away_record_is_not_proposed():
    survivor = make("A", "山田建材", phone="03-1234-5678")
    make("B", "山田建材", phone="03-1234-5678", merged_into=survivor)
    assert found_pairs() == set()


def test_a_common_key_shared_by_more_than_the_cap_is_split_not_paired_with_everyone(monkeypatch):
    from customers.duplicates import blocking

    monkeypatch.setattr(blocking, "BLOCK_CAP", 3)
    for i in range(6):
        make(f"H{i}", f"支店{i}", phone="03-1234-5678")  # one switchboard: six different names
    make("X1", "山田建材", phone="03-9999-0000", postal="100-0001")
    make("X2", "山田建材", phone="03-9999-0000", postal="100-0001")
    assert found_pairs(min_score=0) == {("X1", "X2")}


def test_a_record_without_place_information_is_scored_in_the_middle():
    a = Record.from_values(name="カネコ商店", email="kaneko@example.jp")
    b = Record.from_values(name="カネコ商店", phone="03-1234-5678")
    score, _reasons = score_pair(a, b)
    assert 80 <= score < 90
