"""The few SQL spellings that differ between PostgreSQL and SQLite, so set-based SQL runs on both.

Shared helpers of the core: the dormancy engine builds its nightly statements with them, and any app may.

Dates: PostgreSQL subtracts dates to integers; SQLite stores ISO text and goes through julianday().
"""
from django.db import connection


def is_postgres():
    return connection.vendor == "postgresql"


def date_param():
    """A placeholder for a date parameter."""
    return "CAST(%s AS date)" if is_postgres() else "%s"


def days_between(later, earlier):
    """Whole days from `earlier` to `later` (both SQL date expressions)."""
    if is_postgres():
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def add_days(date_sql, days_sql):
    """`date_sql` plus `days_sql` whole days (an integer SQL expression)."""
    if is_postgres():
        return f"({date_sql} + CAST({days_sql} AS integer))"
    # No '+' before the number: SQLite reads "-365 days" but not "+-365 days" (NULL), so negative days work too.
    return f"date({date_sql}, CAST({days_sql} AS INTEGER) || ' days')"


def is_distinct(a, b):
    """NULL-safe inequality."""
    return f"({a} IS DISTINCT FROM {b})" if is_postgres() else f"({a} IS NOT {b})"


def temp_table(name, select_sql):
    """CREATE TEMP TABLE … AS: dropped at commit on PostgreSQL, so a failed or finished scan leaves nothing."""
    if is_postgres():
        return f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select_sql}"
    return f"CREATE TEMP TABLE {name} AS {select_sql}"


def typed_null(kind):
    types = {"text": "varchar(30)", "float": "double precision", "date": "date", "bool": "boolean", "int": "integer"}
    if not is_postgres():
        types = {"text": "TEXT", "float": "REAL", "date": "TEXT", "bool": "INTEGER", "int": "INTEGER"}
    return f"CAST(NULL AS {types[kind]})"


def table(model):
    return connection.ops.quote_name(model._meta.db_table)


def fetch_all(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def round_float(expr, digits):
    """`expr` (a float) rounded to `digits` decimals, still a float."""
    if is_postgres():
        return f"CAST(ROUND(CAST({expr} AS numeric), {int(digits)}) AS double precision)"
    return f"ROUND({expr}, {int(digits)})"
