"""The scan's model step: fit BG/NBD on every buyer and score them, per distinct (x, t_x, T), not per customer.

The model only sees x = purchase days − 1, t_x = first-to-last purchase and T = first purchase to as_of, so
customers with the same three figures get the same scores. The database groups them (a million buyers are a
few hundred thousand distinct triples or fewer), the fit starts from the previous fit, and the scores go back
through COPY into a small temp table keyed by the triple, which the staging query joins. Scores are rounded to
SCORE_DECIMALS so that float noise never makes the final write touch a row.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import io

import numpy as np
from django.db import connection

from crm import sql
from customers.models import Customer

from . import bgnbd
from .models import ModelFit

SCORES = "dormancy_scan_scores"
MIN_CUSTOMERS_FOR_MODEL = 20  # below this the BG/NBD fit says nothing useful
PREDICTION_DAYS = 90
DAYS_PER_WEEK = 7.0
SCORE_DECIMALS = 6


# PostgreSQL's binary COPY format: a fixed header and trailer; each row is a field count, then (length, value)
# per field, big-endian. Every field here is NOT NULL and fixed-width, so numpy reads and writes whole buffers.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
COPY_TRAILER = b"\xff\xff"
INPUT_ROW = np.dtype([("n", ">i2"), ("l0", ">i4"), ("purchase_days", ">i4"), ("l1", ">i4"), ("span", ">i4"),
                      ("l2", ">i4"), ("age", ">i4"), ("l3", ">i4"), ("customers", ">i8")])
SCORE_ROW = np.dtype([("n", ">i2"), ("l0", ">i4"), ("purchase_days", ">i4"), ("l1", ">i4"), ("span", ">i4"),
                      ("l2", ">i4"), ("age", ">i4"), ("l3", ">i4"), ("p_alive", ">f8"), ("l4", ">i4"),
                      ("expected", ">f8")])


def model_inputs(*, figures, as_of):
    """(purchase_days, span_days, age_days, customers) per distinct triple of the current buyers, as int arrays."""
    d = sql.date_param()
    span = sql.days_between("f.last_purchase_on", "f.first_purchase_on")
    age = sql.days_between(d, "f.first_purchase_on")
    query = (
        f"SELECT CAST(f.purchase_days AS integer), CAST({span} AS integer), CAST({age} AS integer), CAST(COUNT(*) AS bigint) "
        f"FROM {figures} f JOIN {sql.table(Customer)} c ON c.id = f.customer_id "
        f"WHERE f.purchase_days > 0 AND c.merged_into_id IS NULL AND c.lifecycle <> %s GROUP BY 1, 2, 3"
    )
    params = [as_of, Customer.Lifecycle.RETIRED]
    if sql.is_postgres():
        # A binary COPY of a million rows is read in well under a second; fetching tuples takes several.
        with connection.cursor() as cursor:
            statement = cursor.mogrify(query, params).decode()
            buffer = io.BytesIO()
            cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT binary)", buffer)
        body = buffer.getvalue()[len(COPY_HEADER):-len(COPY_TRAILER)]
        rows = np.frombuffer(body, dtype=INPUT_ROW)
        return tuple(rows[c].astype(np.int64) for c in ("purchase_days", "span", "age", "customers"))
    data = np.array(sql.fetch_all(query, params), dtype=np.int64).reshape(-1, 4)
    return tuple(data[:, k] for k in range(4))


def fit_and_score(*, figures, as_of):
    """Fit, store the ModelFit, fill the SCORES temp table. Returns the counts for the run log."""
    sql.execute(f"DROP TABLE IF EXISTS {SCORES}")
    if sql.is_postgres():
        sql.execute(
            f"CREATE TEMP TABLE {SCORES} (purchase_days integer, span_days integer, age_days integer, "
            "p_alive double precision, expected double precision) ON COMMIT DROP"
        )
    else:
        sql.execute(
            f"CREATE TEMP TABLE {SCORES} (purchase_days INTEGER, span_days INTEGER, age_days INTEGER, "
            "p_alive REAL, expected REAL, PRIMARY KEY (purchase_days, span_days, age_days))"
        )
    purchase_days, span, age, weights = model_inputs(figures=figures, as_of=as_of)
    n_customers = int(weights.sum())
    if n_customers < MIN_CUSTOMERS_FOR_MODEL:
        return {"skipped": "too few customers", "n_customers": n_customers}
    x = (purchase_days - 1).astype(float)
    t_x, T = span / DAYS_PER_WEEK, age / DAYS_PER_WEEK
    previous = ModelFit.objects.filter(fitted_on__lte=as_of).order_by("-fitted_on").first()
    initial = (previous.r, previous.alpha, previous.a, previous.b) if previous else None
    params = bgnbd.fit(x, t_x, T, weights=weights, initial=initial)
    ModelFit.objects.update_or_create(
        fitted_on=as_of,
        defaults={
            "r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b,
            "log_likelihood": params.log_likelihood, "n_customers": params.n_customers, "seconds": params.seconds,
        },
    )
    alive = np.round(bgnbd.p_alive(params, x, t_x, T), SCORE_DECIMALS)
    expected = np.round(bgnbd.expected_purchases(params, PREDICTION_DAYS / DAYS_PER_WEEK, x, t_x, T), SCORE_DECIMALS)
    _write(purchase_days, span, age, alive, expected)
    return {
        "r": round(params.r, 4), "alpha": round(params.alpha, 4), "a": round(params.a, 4), "b": round(params.b, 4),
        "log_likelihood": round(params.log_likelihood, 1), "n_customers": params.n_customers,
        "distinct_triples": len(x), "fit_seconds": round(params.seconds, 2), "warm_start": previous is not None,
    }


def _write(purchase_days, span, age, alive, expected):
    if sql.is_postgres():
        rows = np.zeros(len(purchase_days), dtype=SCORE_ROW)
        rows["n"] = 5
        for length, column, values in [("l0", "purchase_days", purchase_days), ("l1", "span", span),
                                       ("l2", "age", age), ("l3", "p_alive", alive), ("l4", "expected", expected)]:
            rows[length] = rows.dtype[column].itemsize
            rows[column] = values
        buffer = io.BytesIO(COPY_HEADER + rows.tobytes() + COPY_TRAILER)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {SCORES} FROM STDIN WITH (FORMAT binary)", buffer)
        # No index: the staging statement hash-joins all of it (an index scan would thrash the temp buffers).
        sql.execute(f"ANALYZE {SCORES}")
    else:
        rows = zip(purchase_days.tolist(), span.tolist(), age.tolist(), alive.tolist(), expected.tolist(), strict=True)
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {SCORES} VALUES (%s, %s, %s, %s, %s)", list(rows))
