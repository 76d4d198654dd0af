"""Parsing of purchase-file cells: every date, amount and quantity spelling the issue lists, and the rejects."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from customers.purchases.parsing import ValueParseError, parse_amount, parse_date, parse_quantity


@pytest.fixture(autouse=True, scope="module")
def _english_messages():
    # Reasons are compared in English; the Japanese catalogue is checked in tests/test_translations.py.
    with translation.override("en"):
        yield

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-10", D(2025, 1, 10)),
        ("2025/1/10", D(2025, 1, 10)),
        ("2025/01/10", D(2025, 1, 10)),
        ("20250110", D(2025, 1, 10)),
        ("2025.1.10", D(2025, 1, 10)),
        ("2025年1月10日", D(2025, 1, 10)),
        ("２０２５／１／１０", D(2025, 1, 10)),
        ("２０２５０１１０", D(2025, 1, 10)),
        (" 2025-01-10 ", D(2025, 1, 10)),
        ("令和7年1月10日", D(2025, 1, 10)),
        ("令和７年１月１０日", D(2025, 1, 10)),
        ("㋿7年1月10日", D(2025, 1, 10)),
        ("R7.1.10", D(2025, 1, 10)),
        ("r07/01/10", D(2025, 1, 10)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("平成元年1月8日", D(1989, 1, 8)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("H31.4.30", D(2019, 4, 30)),
        ("昭和64年1月7日", D(1989, 1, 7)),
        ("S50.3.3", D(1975, 3, 3)),
        ("大正15年12月24日", D(1926, 12, 24)),
        ("明治45年7月29日", D(1912, 7, 29)),
    ],
)
def test_it_parses_every_listed_date_spelling(text, expected):
    assert parse_date(text) == (expected, None)


def test_it_keeps_the_time_of_day_when_given():
    assert parse_date("2025/1/10 14:05") == (D(2025, 1, 10), dt.time(14, 5))
    assert parse_date("2025-01-10T09:30:15") == (D(2025, 1, 10), dt.time(9, 30, 15))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-02-30", "The date does not exist."),
        ("2025-13-01", "The date does not exist."),
        ("", "The date is missing."),
        ("昨日", "The date is not in a recognised format"),
        ("10/01/2025", "The date is not in a recognised format"),
        ("平成31年5月1日", "outside the 平成 era"),
        ("令和1年4月30日", "outside the 令和 era"),
        ("昭和65年1月1日", "outside the 昭和 era"),
        ("令和0年1月1日", "1 (元年) or more"),
        ("2025/1/10 25:00", "The time of day is impossible."),
    ],
)
def test_it_rejects_impossible_dates_with_a_reason(text, reason):
    with pytest.raises(ValueParseError) as caught:
        parse_date(text)
    assert reason in str(caught.value.reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2940", 2940),
        ("2,940", 2940),
        ("￥2,940", 2940),
        ("¥2940", 2940),
        ("２９４０", 2940),
        ("２，９４０", 2940),
        ("￥１７０，０００", 170000),
        ("2,940円", 2940),
        ("2940.0", 2940),
        ("-2940", -2940),
        ("△2,940", -2940),
        ("0", 0),
    ],
)
def test_it_parses_every_listed_amount_spelling(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "The amount is missing."), ("   ", "The amount is missing."), ("abc", "not a number"),
     ("12.5", "whole yen"), ("1-2", "not a number")],
)
def test_it_rejects_bad_amounts_with_a_reason(text, reason):
    with pytest.raises(ValueParseError) as caught:
        parse_amount(text)
    assert reason in str(caught.value.reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", Decimal("3")), ("３", Decimal("3")), ("1.5", Decimal("1.5")), ("", Decimal("1")), ("1,200", Decimal("1200"))],
)
def test_it_parses_quantities(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["-", "abc", "NaN", "1.234"])
def test_it_rejects_non_numeric_quantities(text):
    with pytest.raises(ValueParseError):
        parse_quantity(text)


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2099, 12, 31)))
def test_it_reads_back_any_date_in_every_western_spelling(day):
    for text in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", day.strftime("%Y%m%d")):
        assert parse_date(text) == (day, None)


@given(st.dates(min_value=D(2019, 5, 1), max_value=D(2099, 12, 31)))
def test_it_reads_back_any_reiwa_date(day):
    era_year = day.year - 2018
    label = "元" if era_year == 1 else str(era_year)
    assert parse_date(f"令和{label}年{day.month}月{day.day}日") == (day, None)


@given(st.integers(min_value=0, max_value=10**11))
def test_it_reads_back_any_amount_with_separators_and_yen_sign(value):
    assert parse_amount(f"￥{value:,}") == value
    assert parse_amount(f"{value:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))) == value
