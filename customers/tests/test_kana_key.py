"""Kana readings sort and search without their legal form (会社名フリガナ as usually written), stored as typed."""
import pytest
from django.http import QueryDict
from hypothesis import assume, example, given
from hypothesis import strategies as st

from customers import normalize, selectors
from customers.filters import CustomerFilter
from customers.models import Customer
from customers.tests.factories import CustomerFactory

YAMADA_READINGS = [
    "ヤマダケンザイ",
    "カブシキガイシャ ヤマダケンザイ",
    "ヤマダケンザイ カブシキガイシャ",
    "ｶﾌﾞｼｷｶﾞｲｼｬ ﾔﾏﾀﾞｹﾝｻﾞｲ",  # half-width, as accounting exports write it
    "かぶしきがいしゃ　やまだけんざい",  # hiragana, ideographic space
    "カブシキカイシャヤマダケンザイ",
    "カ)ヤマダケンザイ",  # bank-transfer abbreviations
    "ｶ)ﾔﾏﾀﾞｹﾝｻﾞｲ",
    "ヤマダケンザイ(カ",
    "（カ）ヤマダケンザイ",
    "ヤマダケンザイ(カ)",
    "㈱ヤマダケンザイ",
    "ヤマダ・ケンザイ カブシキガイシャ",
]
FORMS = ["カブシキガイシャ", "ユウゲンガイシャ", "ゴウドウガイシャ", "ゴウメイガイシャ", "ゴウシガイシャ",
         "イリョウホウジン(シャダン)", "イリョウホウジン（シャダン）", "イリョウホウジン", "イッパンシャダンホウジン",
         "ｲｯﾊﾟﾝｼｬﾀﾞﾝﾎｳｼﾞﾝ", "ゆうげんがいしゃ", "(カ)", "(ユ)", "(ド)"]  # fmt: skip


@pytest.mark.parametrize("reading", YAMADA_READINGS)
def test_it_leaves_the_legal_form_out_of_the_key_in_any_width_and_place(reading):
    assert normalize.kana_key(reading) == "ヤマダケンザイ"


@pytest.mark.parametrize("form", FORMS)
def test_it_leaves_every_legal_form_out_before_and_after_the_name(form):
    assert normalize.kana_key(f"{form} スズキコウムテン") == "スズキコウムテン"
    assert normalize.kana_key(f"スズキコウムテン{form}") == "スズキコウムテン"


@pytest.mark.parametrize(
    ("reading", "key"),
    [("カブシキガイシャ", "カブシキガイシャ"),  # nothing but a legal form: kept, never an empty key
     ("カイシャインクラブ", "カイシャインクラブ"),  # カイシャ alone is no legal form
     ("カガクコウギョウ", "カガクコウギョウ"),  # カ without its bracket is the name's own kana
     ("ニホンカブシキガイシャトウキョウシテン", "ニホンカブシキガイシャトウキョウシテン"),  # only at the ends
     ("イッパンシャダンホウジン ニホンケンザイキョウカイ", "ニホンケンザイキョウカイ"),
     ("カブシキガイシャ ヤマダケンザイ ユウゲンガイシャ", "ヤマダケンザイ")],
)  # fmt: skip
def test_it_keeps_what_is_not_a_legal_form(reading, key):
    assert normalize.kana_key(reading) == key


@given(st.text())
@example("カ \u3099")  # dropping the space joins the voiced mark: ガ
@example("ゟ")  # NFKC makes hiragana of it
@example("(カ)")
@example("カブシキガイシャカブシキガイシャ")
def test_normalizing_a_key_again_changes_nothing(text):
    key = normalize.kana_key(text)
    assert normalize.kana_key(key) == key


KATAKANA = "アイウエオカキクケコガギグゲゴサシスセソザジズゼゾタチツテトダヂヅデドナニヌネノハヒフヘホバビブベボパピプペポマミムメモヤユヨラリルレロワヲンヴー"


@given(st.text(alphabet=KATAKANA, min_size=1, max_size=12), st.sampled_from(FORMS), st.sampled_from(["", " ", "　", "・"]))
def test_it_ignores_where_the_legal_form_stands(name, form, space):
    # Not a drawn name that itself starts or ends with a legal form (ザイダンホウジン…).
    assume(normalize.kana_key(name + "ア") == name + "ア" and normalize.kana_key("ア" + name) == "ア" + name)
    assert normalize.kana_key(form + space + name) == normalize.kana_key(name + space + form) == name


@pytest.mark.django_db
class TestStoredAndSorted:
    def test_it_stores_the_reading_as_typed_and_the_key_without_the_form(self):
        customer = CustomerFactory(name="株式会社山田建材", name_kana="カブシキガイシャ ヤマダケンザイ")
        customer.refresh_from_db()
        assert customer.name_kana == "カブシキガイシャ ヤマダケンザイ"
        assert customer.kana_key == "ヤマダケンザイ"

    def test_it_sorts_the_customer_list_by_the_reading_without_the_form(self):
        for code, kana in [("C1", "カブシキガイシャ ワタナベショウジ"), ("C2", "アオキサンギョウ ユウゲンガイシャ"),
                           ("C3", "(カ)イトウケンセツ"), ("C4", "カトウコウムテン")]:  # fmt: skip
            CustomerFactory(code=code, name_kana=kana)
        listed = CustomerFilter(QueryDict("sort=kana"), queryset=selectors.customer_list()).qs
        assert [c.code for c in listed] == ["C2", "C3", "C4", "C1"]  # アオキ, イトウ, カトウ, ワタナベ

    def test_it_finds_a_customer_by_its_reading_typed_with_or_without_the_form(self):
        CustomerFactory(code="C1", name="株式会社山田建材", name_kana="ヤマダケンザイ カブシキガイシャ")
        CustomerFactory(code="C2", name="株式会社加藤工務店", name_kana="カトウコウムテン")
        for query in ("ヤマダケン", "かぶしきがいしゃやまだ", "ｶ)ﾔﾏﾀﾞ"):
            found = selectors.customer_search(Customer.objects.all(), query)
            assert [c.code for c in found] == ["C1"], query

