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
KEEP_TOLERANCE = 1e-6  # relative log-likelihood gain below which a warm start's parameters are kept


@dataclass(frozen=True)
class BgNbdParameters:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    n_customers: int = 0
    seconds: float = 0.0


def group_triples(x, t_x, T, weights=None):
    """(x, t_x, T, weights) of the distinct triples (weights: how many customers each input row stands for)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    stacked = np.column_stack([x, t_x, T])
    unique, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    if weights is not None:
        counts = np.bincount(inverse.ravel(), weights=np.asarray(weights, dtype=float), minlength=len(unique))
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


class _Triples:
    """Distinct (x, t_x, T) with weights, and the distinct values of each column: the expensive special functions
    are evaluated once per distinct x (or t_x, T) and gathered, not once per triple."""

    def __init__(self, x, t_x, T, scale, weights=None):
        if weights is None:
            gx, gt, gT, self.w = group_triples(x, t_x, T)
        else:  # the caller grouped them already (the scan does, in SQL)
            gx, gt, gT = (np.asarray(v, dtype=float) for v in (x, t_x, T))
            self.w = np.asarray(weights, dtype=float)
        self.x = gx
        self.ux, self.ix = np.unique(gx, return_inverse=True)
        self.ut, self.it = np.unique(gt * scale, return_inverse=True)
        self.uT, self.iT = np.unique(gT * scale, return_inverse=True)
        self.repeat = gx > 0
        self.n = int(self.w.sum())

    def log_likelihood(self, r, alpha, a, b):
        ux, x = self.ux, self.x
        a1 = special.gammaln(r + ux)[self.ix] - special.gammaln(r) + r * np.log(alpha)
        a2 = (special.gammaln(b + ux) - special.gammaln(a + b + ux))[self.ix] + special.gammaln(a + b) - special.gammaln(b)
        a3 = -(r + x) * np.log(alpha + self.uT)[self.iT]
        with np.errstate(invalid="ignore", divide="ignore"):
            a4 = np.log(a) - np.log(b + np.maximum(ux, 1) - 1)[self.ix] - (r + x) * np.log(alpha + self.ut)[self.it]
        terms = a1 + a2 + np.where(self.repeat, np.logaddexp(a3, a4), a3)
        return float(np.dot(terms, self.w))

    def value_and_gradient(self, r, alpha, a, b):
        """The log-likelihood and its gradient with respect to (log r, log α, log a, log b), in one pass.

        With L = log(e^A3 + e^A4) and π = e^(A4 − L) the share of the "dropped out after the last purchase" term
        (0 for x = 0), each derivative is the derivative of A1 + A2 plus (1 − π)·∂A3 + π·∂A4.
        """
        ux, ix, x, w = self.ux, self.ix, self.x, self.w
        log_T, log_t = np.log(alpha + self.uT)[self.iT], np.log(alpha + self.ut)[self.it]
        a1 = special.gammaln(r + ux)[ix] - special.gammaln(r) + r * np.log(alpha)
        a2 = (special.gammaln(b + ux) - special.gammaln(a + b + ux))[ix] + special.gammaln(a + b) - special.gammaln(b)
        a3 = -(r + x) * log_T
        with np.errstate(invalid="ignore", divide="ignore"):
            inv_b = (1.0 / (b + np.maximum(ux, 1) - 1))[ix]
            a4 = np.log(a) + np.log(inv_b) - (r + x) * log_t
        total = np.where(self.repeat, np.logaddexp(a3, a4), a3)
        with np.errstate(over="ignore", invalid="ignore"):  # the x = 0 rows' a4 is meaningless and masked out
            share = np.where(self.repeat, np.exp(a4 - total), 0.0)  # π
        rest = 1.0 - share
        value = float(np.dot(a1 + a2 + total, w))
        inv_T, inv_t = (1.0 / (alpha + self.uT))[self.iT], (1.0 / (alpha + self.ut))[self.it]
        d_r = (special.digamma(r + ux)[ix] - special.digamma(r) + np.log(alpha)) - rest * log_T - share * log_t
        d_alpha = r / alpha - (r + x) * (rest * inv_T + share * inv_t)
        d_a = (special.digamma(a + b) - special.digamma(a + b + ux))[ix] + share / a
        d_b = (special.digamma(a + b) + special.digamma(b + ux) - special.digamma(b) - special.digamma(a + b + ux))[ix]
        d_b = d_b - share * inv_b
        gradient = np.array([np.dot(d, w) for d in (d_r, d_alpha, d_a, d_b)]) * np.array([r, alpha, a, b])
        return value, gradient


def fit(x, t_x, T, *, weights=None, initial=None):
    """Maximum-likelihood BG/NBD parameters for the customers given (times in any one unit).

    `weights`: customers per row, when the caller already grouped identical triples (the scan groups in SQL);
    the rows must then be distinct.
    `initial`: a previous fit (r, alpha, a, b) in the same time unit, e.g. last night's. The optimizer starts
    there, which saves most iterations; and when it cannot improve the log-likelihood measurably (same data),
    those parameters are kept exactly, so a repeated run scores every customer identically.
    """
    started = time.perf_counter()
    T_max = float(np.max(T)) if len(T) else 0.0
    if len(T) == 0:
        raise ValueError("no customers to fit")
    # Work on a time scale where T is of order 10: the optimizer then starts near the answer for any unit.
    scale = 10.0 / max(T_max, 1e-9)
    data = _Triples(x, t_x, T, scale, weights)

    def negative(log_params):
        value = -data.log_likelihood(*np.exp(log_params))
        return value if np.isfinite(value) else 1e300

    def negative_with_gradient(log_params):
        value, gradient = data.value_and_gradient(*np.exp(log_params))
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            return 1e300, np.zeros(4)
        return -value, -gradient

    # Bounded in log space: on odd small data sets the likelihood can run off to a degenerate corner (a → 0).
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4
    start = np.log([1.0, 1.0, 1.0, 1.0])
    if initial is not None:
        r0, alpha0, a0, b0 = initial
        start = np.clip(np.log([r0, alpha0 * scale, a0, b0]), -LOG_BOUND, LOG_BOUND)
    start_value = negative(start)
    # The analytic gradient costs about two likelihood evaluations; a numerical one would cost five.
    result = optimize.minimize(negative_with_gradient, start, jac=True, method="L-BFGS-B", bounds=bounds)
    if not result.success:
        # Rescue: Nelder–Mead does not need the gradient that L-BFGS-B stumbled on.
        polish = optimize.minimize(
            negative, result.x, method="Nelder-Mead", bounds=bounds,
            options={"maxiter": 2000, "xatol": 1e-7, "fatol": 1e-7},
        )
        result = polish if polish.fun < result.fun else result
    if initial is not None and start_value - result.fun <= KEEP_TOLERANCE * max(1.0, abs(start_value)):
        r, alpha, a, b = (float(v) for v in initial)
        result = optimize.OptimizeResult(x=start, fun=start_value)
    else:
        r, alpha_scaled, a, b = np.exp(result.x)
        alpha = alpha_scaled / scale
    return BgNbdParameters(
        r=float(r), alpha=float(alpha), a=float(a), b=float(b),
        log_likelihood=float(-result.fun) + _rescale_ll(data, scale),
        n_customers=data.n, seconds=time.perf_counter() - started,
    )


def _rescale_ll(data, scale):
    """Log-likelihood difference between the scaled and the original time unit.

    Rescaling time by c multiplies each customer's likelihood density by c^x (x repeat purchases), i.e. adds
    x·ln(c) to its log; so LL(original) = LL(scaled) + Σ w·x·ln(scale).
    """
    return float(np.dot(data.w, data.x) * np.log(scale))


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
