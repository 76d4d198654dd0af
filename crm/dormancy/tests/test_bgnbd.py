"""The BG/NBD fit reproduces Fader, Hardie & Lee (2005) on the CDNOW 1/10 sample, and its predictions behave."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.conf import settings

from crm.dormancy import bgnbd

CDNOW = Path(settings.BASE_DIR) / "tests" / "data" / "cdnow_sample_summary.csv"


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(CDNOW)


@pytest.fixture(scope="module")
def fitted(cdnow):
    return bgnbd.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_it_reproduces_the_published_estimates(fitted, cdnow):
    assert len(cdnow) == 2357
    assert fitted.r == pytest.approx(0.243, abs=0.001)
    assert fitted.alpha == pytest.approx(4.414, abs=0.002)
    assert fitted.a == pytest.approx(0.793, abs=0.001)
    assert fitted.b == pytest.approx(2.426, abs=0.002)
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert fitted.n_customers == 2357


def test_it_gives_the_same_likelihood_grouped_and_per_customer(cdnow):
    x, t_x, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    params = (0.3, 5.0, 0.8, 2.5)
    gx, gt, gT, w = bgnbd.group_triples(x, t_x, T)
    assert len(gx) < len(x)
    assert bgnbd.log_likelihood(params, gx, gt, gT, w) == pytest.approx(bgnbd.log_likelihood(params, x, t_x, T))


def test_it_does_not_depend_on_the_time_unit(cdnow):
    days = bgnbd.fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    weeks = bgnbd.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert days.alpha == pytest.approx(weeks.alpha * 7, rel=1e-3)
    assert (days.r, days.a, days.b) == pytest.approx((weeks.r, weeks.a, weeks.b), rel=1e-3)


def test_it_matches_the_papers_conditional_expectation(fitted):
    # Section 5 of the paper: a customer with x=2, t_x=30.43, T=38.86 is expected to buy 1.226 times in 39 weeks.
    value = bgnbd.expected_purchases(fitted, 39, np.array([2]), np.array([30.43]), np.array([38.86]))[0]
    assert value == pytest.approx(1.226, abs=0.002)


def test_it_lowers_p_alive_the_longer_a_repeat_buyer_has_been_quiet(fitted):
    T = np.array([38.86] * 3)
    alive = bgnbd.p_alive(fitted, np.array([3, 3, 3]), np.array([38.0, 20.0, 5.0]), T)
    assert alive[0] > alive[1] > alive[2]


def test_it_does_not_rank_one_time_buyers_as_the_safest(fitted):
    T = np.array([5.0, 20.0, 38.86])
    textbook = bgnbd.p_alive(fitted, np.zeros(3), np.zeros(3), T, no_repeat="bgnbd")
    assert np.all(textbook == 1.0)  # the model's blind spot
    adjusted = bgnbd.p_alive(fitted, np.zeros(3), np.zeros(3), T)
    assert np.all(adjusted < 1.0) and adjusted[0] > adjusted[1] > adjusted[2]
    steady = bgnbd.p_alive(fitted, np.array([5.0]), np.array([38.0]), np.array([38.86]))[0]
    assert adjusted[2] < steady


def test_it_expects_fewer_purchases_from_quieter_customers(fitted):
    expected = bgnbd.expected_purchases(fitted, 90 / 7, np.array([4, 4, 0]), np.array([38.0, 10.0, 0.0]), np.full(3, 38.86))
    assert expected[0] > expected[1] > 0 and expected[2] > 0


def test_it_computes_the_analytic_gradient_of_the_likelihood(cdnow):
    data = bgnbd._Triples(cdnow["frequency"], cdnow["recency"], cdnow["T"], scale=0.25)
    point = np.log([0.3, 1.2, 0.8, 2.5])
    value, gradient = data.value_and_gradient(*np.exp(point))
    assert value == pytest.approx(data.log_likelihood(*np.exp(point)))
    step = 1e-6
    numerical = [
        (data.log_likelihood(*np.exp(point + step * e)) - data.log_likelihood(*np.exp(point - step * e))) / (2 * step)
        for e in np.eye(4)
    ]
    assert gradient == pytest.approx(numerical, rel=1e-5, abs=1e-4)


def test_it_keeps_a_previous_fit_the_data_cannot_improve(fitted, cdnow):
    again = bgnbd.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"],
                      initial=(fitted.r, fitted.alpha, fitted.a, fitted.b))
    assert (again.r, again.alpha, again.a, again.b) == (fitted.r, fitted.alpha, fitted.a, fitted.b)
    assert again.log_likelihood == pytest.approx(fitted.log_likelihood, abs=1e-6)


def test_it_fits_weighted_rows_like_the_repeated_rows(cdnow):
    x, t_x, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    gx, gt, gT, w = bgnbd.group_triples(x, t_x, T)
    grouped = bgnbd.fit(gx, gt, gT, weights=w)
    assert (grouped.r, grouped.alpha, grouped.a, grouped.b) == pytest.approx((0.243, 4.414, 0.793, 2.426), abs=0.002)
    assert grouped.n_customers == len(x)
