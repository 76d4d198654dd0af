"""The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"), vectorized with numpy/scipy.

Per customer: x = repeat purchases (purchase days − 1), t_x = time of the last purchase and T = time of the
scan, both measured from the first purchase (the engine uses weeks). Identical (x, t_x, T) triples are grouped
and weighted, so the log-likelihood is evaluated once per distinct triple rather than once per customer.

The model cannot see a customer drop out before their first repeat purchase, so its P(alive) is 1 for everyone
with x = 0 — a one-time buyer from five years ago would rank as the safest customer. For x = 0 we therefore use the
MBG/NBD form (Batislam, Denizel & Filiztekin 2007), which lets a customer drop out right after the first purchase:
P(alive | x=0, T) = 1 / (1 + a/b · ((α+T)/α)^r). It decreases with T and agrees with BG/NBD's x = 1 case in
shape, so one-time buyers sink as time passes. `p_alive(..., no_repeat="bgnbd")` gives the textbook value.
"""
import time
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

LOG_BOUND = 12.0  # parameters stay within e^±12 on the internal time scale


@dataclass(frozen=True)
class BgNbdParameters:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    n_customers: int = 0
    seconds: float = 0.0


def group_triples(x, t_x, T):
    """(x, t_x, T, weights) of the distinct triples."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    stacked = np.column_stack([x, t_x, T])
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return unique[:, 0], unique[:, 1], unique[:, 2], counts.astype(float)


def log_likelihood_terms(r, alpha, a, b, x, t_x, T):
    """Per-customer log-likelihood (equation 6 of the paper, in logs)."""
    x = np.asarray(x, dtype=float)
    repeat = x > 0
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    # b + x − 1 is only meaningful for x > 0; the x = 0 rows are masked out below.
    safe_x = np.where(repeat, x, 1.0)
    a4 = np.log(a) - np.log(b + safe_x - 1) - (r + x) * np.log(alpha + t_x)
    return a1 + a2 + np.where(repeat, np.logaddexp(a3, a4), a3)


def log_likelihood(params, x, t_x, T, weights=None):
    r, alpha, a, b = params
    terms = log_likelihood_terms(r, alpha, a, b, x, t_x, T)
    return float(np.sum(terms if weights is None else terms * weights))


def fit(x, t_x, T, *, initial=(1.0, 1.0, 1.0, 1.0)):
    """Maximum-likelihood BG/NBD parameters for the customers given (times in any one unit)."""
    started = time.perf_counter()
    gx, gt, gT, w = group_triples(x, t_x, T)
    if len(gx) == 0:
        raise ValueError("no customers to fit")
    # Work on a time scale where T is of order 10: the optimizer then starts near the answer for any unit.
    scale = 10.0 / max(float(np.max(gT)), 1e-9)
    st, sT = gt * scale, gT * scale

    def negative(log_params):
        r, alpha, a, b = np.exp(log_params)
        value = -log_likelihood((r, alpha, a, b), gx, st, sT, w)
        return value if np.isfinite(value) else 1e300

    # Bounded in log space: on odd small data sets the likelihood can run off to a degenerate corner (a → 0).
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4
    start = optimize.minimize(
        negative, np.log(initial), method="Nelder-Mead", bounds=bounds,
        options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-7},
    )
    result = optimize.minimize(negative, start.x, method="L-BFGS-B", bounds=bounds)
    if result.fun > start.fun:
        result = start
    r, alpha_scaled, a, b = np.exp(result.x)
    alpha = alpha_scaled / scale
    ll = log_likelihood((r, alpha, a, b), gx, gt, gT, w)
    return BgNbdParameters(
        r=float(r), alpha=float(alpha), a=float(a), b=float(b), log_likelihood=ll,
        n_customers=int(w.sum()), seconds=time.perf_counter() - started,
    )


def p_alive(params, x, t_x, T, *, no_repeat="mbgnbd"):
    """P(still a customer | x, t_x, T). no_repeat="mbgnbd" (default) or "bgnbd" for x = 0, see the module doc."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    log_odds_dead = np.log(a) - np.log(b + safe_x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    result = np.where(repeat, special.expit(-log_odds_dead), 1.0)
    if no_repeat == "mbgnbd":
        log_odds_no_repeat = np.log(a) - np.log(b) + r * (np.log(alpha + T) - np.log(alpha))
        result = np.where(repeat, result, special.expit(-log_odds_no_repeat))
    return result


def expected_purchases(params, t, x, t_x, T):
    """E[number of purchases in the next t | x, t_x, T] (equation 10 of the paper)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        factor = (a + b + x - 1) / (a - 1)
        bracket = 1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
        odds = np.where(
            repeat, np.exp(np.log(a) - np.log(b + safe_x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))), 0
        )
        value = factor * bracket / (1 + odds)
    return np.clip(np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0), 0, None)
