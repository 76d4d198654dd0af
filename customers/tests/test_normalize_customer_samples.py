"""The normalized keys make every spelling in the sample file of one company land on the same key."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customers import normalize
from customers.selectors import is_phone_like

YAMADA_NAMES = ["株式会社山田建材", "(株)山田建材", "㈱山田建材", "山田建材株式会社", "株式会社 山田建材", "（株）山田建材"]


@pytest.mark.parametrize("name", YAMADA_NAMES)
def test_it_strips_legal_forms_and_width_from_names(name):
    assert normalize.name_key(name) == "山田建材"


@pytest.mark.parametrize(
    ("name", "key"),
    [("有限会社 鈴木工務店", "鈴木工務店"), ("鈴木工務店（有）", "鈴木工務店"), ("医療法人社団 さくら会", "さくら会"),
     ("丸一水産㈱", "丸一水産"), ("ｻﾄｳ ｲﾁﾛｳ", "サトウイチロウ"), ("田中 花子", "田中花子")],
)  # fmt: skip
def test_it_normalizes_the_other_sample_names(name, key):
    assert normalize.name_key(name) == key


@pytest.mark.parametrize("kana", ["ヤマダケンザイ", "ﾔﾏﾀﾞｹﾝｻﾞｲ", "やまだけんざい", "ヤマダ ケンザイ"])
def test_it_folds_kana_variants(kana):
    assert normalize.kana_key(kana) == "ヤマダケンザイ"


@pytest.mark.parametrize("phone", ["03-1234-5678", "０３－１２３４－５６７８", "03(1234)5678", "０３（１２３４）５６７８",
                                   "0312345678", "03 1234 5678", "+81-3-1234-5678", "03‐1234‐5678"])  # fmt: skip
def test_it_reduces_phone_variants_to_digits(phone):
    assert normalize.phone_key(phone) == "0312345678"
    assert normalize.format_phone(phone) == "03-1234-5678"


@pytest.mark.parametrize("postal", ["100-0001", "1000001", "〒１００－０００１", "100ー0001"])
def test_it_reduces_postal_variants_to_seven_digits(postal):
    assert normalize.postal_key(postal) == "1000001"


def test_it_rejects_the_invalid_sample_values():
    assert normalize.phone_key("不明") == ""
    assert not normalize.is_valid_phone("不明")
    assert normalize.postal_key("999") == ""


def test_it_treats_phone_punctuation_as_a_phone_search_but_not_names():
    assert is_phone_like("０３－１２３４")
    assert not is_phone_like("山田03")
    assert not is_phone_like("12")


@given(st.from_regex(r"0[1-9]0?[0-9]{7,8}", fullmatch=True))
def test_it_gives_the_same_phone_key_for_full_width_and_hyphenated_input(number):
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    hyphenated = "－".join([full_width[:3], full_width[3:6], full_width[6:]])
    assert normalize.phone_key(hyphenated) == normalize.phone_key(number) == number


@given(st.text(alphabet="山田建材鈴木工務店グリーンフーズ", min_size=1, max_size=8), st.sampled_from(["株式会社", "(株)", "㈱", "有限会社"]))
def test_it_ignores_where_the_legal_form_stands(core, form):
    assert normalize.name_key(form + core) == normalize.name_key(core + form) == normalize.name_key(core)
