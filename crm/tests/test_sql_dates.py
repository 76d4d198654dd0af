"""crm.sql's date arithmetic gives the same dates on PostgreSQL and SQLite, backwards too."""
import datetime

import pytest

from crm import sql

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("days, expected", [(30, datetime.date(2026, 1, 31)), (-365, datetime.date(2025, 1, 1)),
                                            (0, datetime.date(2026, 1, 1))])
def test_add_days_moves_a_date_either_way(days, expected):
    d = sql.date_param()
    (value,), = sql.fetch_all(f"SELECT {sql.add_days(d, days)}", [datetime.date(2026, 1, 1)])
    assert str(value) == expected.isoformat()
