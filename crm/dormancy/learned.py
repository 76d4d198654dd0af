"""The priority learned from the company's own history: the calibrated chance that a customer buys within H days.

    fit_return_model(*, as_of, horizon_days, frames=None) -> (ReturnModel or None, info)

Training data: for one to three earlier cut-offs C' (as_of − L, then a month and two months earlier), the features
of every customer from what was known on C' (crm.dormancy.backtest.cutoff_frame), labelled "bought on a day in
(C', C' + L]" — L = the horizon H, or half the history when the company's history is shorter, so every label
ends on or before as_of: the model never sees anything after the date it is fitted for.

Model: scikit-learn logistic regression on standardised features, calibrated by Platt's sigmoid on out-of-fold
predictions (folds grouped by customer, since a customer appears once per cut-off). Both steps are linear in the
features, so the fitted model is stored as one coefficient per feature plus an intercept (ReturnModel) and the
nightly scan computes it in SQL for a million customers without leaving the database. Logistic regression rather
than gradient boosting: the cut-offs it learns from lie earlier than the day it scores, with less history behind
them (shorter tenures, shorter silences), and a linear model in logs extrapolates where trees stay flat (measured:
docs/ranking.md).

Priority = 100 × P × value, P the calibrated chance of return, value = 0.8 + 0.2 × the customer's spend rank (percent
rank of past spend among buyers: at the same chance, the customer expected to spend more comes first, by at most a
quarter; crm.dormancy.priority.learned_priority). Why a customer ranks where they do: each feature's contribution to the log-odds against the average
customer the model was trained on (ReturnModel.factors), the largest ones said in words on the card.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import datetime
import time
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.utils.translation import gettext_lazy as _

MIN_LABEL_DAYS = 30  # a shorter window says little about coming back
MIN_HISTORY_DAYS = 60  # a training cut-off needs this much history before it
STEP_DAYS = 30  # between training cut-offs
MAX_CUTOFFS = 3
ENOUGH_ROWS = 200_000  # more cut-offs add nothing once the training set is this large
MAX_TRAINING_ROWS = 200_000  # a deterministic sample above this (the fit's time grows with it, its accuracy not)
MIN_CLASS_ROWS = 50  # returners (and non-returners) needed to fit
PROBABILITY_DECIMALS = 6
LOGIT_BOUND = 30.0  # log-odds beyond ±30 are 0 or 1 for every purpose; keeps EXP in range
SEED = 20260613
TOUCHPOINT_DAYS = 365

REASONS = ("product", "price", "customer_side")


@dataclass(frozen=True)
class Feature:
    name: str
    label: object  # words for the card, with %(value)s
    compute: object  # frame -> np.ndarray
    sql: object  # (alias, as_of) -> (text, params)
    shown: object = None  # frame row value -> the number shown in `label`


def _col(frame, name):
    return frame[name].to_numpy(dtype=float)


def _silence(frame):
    median = _col(frame, "median_interval_days")
    days = _col(frame, "days_since_last_purchase")
    return np.where(np.isnan(median), 0.0, np.log1p(days / np.maximum(np.nan_to_num(median, nan=1.0), 1.0)))


def _trend(frame):
    last, previous = _col(frame, "amount_last_12m"), _col(frame, "amount_prev_12m")
    both = last + previous
    return np.where(both > 0, (last - previous) / np.where(both > 0, both, 1.0), 0.0)


def _float(expr):
    from crm import sql

    return f"CAST({expr} AS {'double precision' if sql.is_postgres() else 'REAL'})"


def _touchpoints_table():
    from crm import sql
    from customers.models import Touchpoint

    return sql.table(Touchpoint)


def _tenure_sql(a):
    from crm import sql

    return sql.days_between(sql.date_param(), f"{a}.first_purchase_on")


FEATURES = [
    Feature("recency", _("last purchase %(value)s days ago"),
            lambda f: np.log1p(_col(f, "days_since_last_purchase")),
            lambda a: (f"LN(1 + {a}.days_since_last_purchase)", []),
            lambda row: int(row["days_since_last_purchase"])),
    Feature("purchase_days", _("bought on %(value)s days"),
            lambda f: np.log(np.maximum(_col(f, "purchase_days"), 1)),
            lambda a: (f"LN({a}.purchase_days)", []),
            lambda row: int(row["purchase_days"])),
    Feature("spend", _("spent %(value)s yen in all"),
            lambda f: np.log1p(np.maximum(_col(f, "total_amount"), 0)),
            lambda a: (f"LN(1 + CASE WHEN {a}.total_amount > 0 THEN {a}.total_amount ELSE 0 END)", []),
            lambda row: f"{int(row['total_amount']):,}"),
    Feature("tenure", _("first purchase %(value)s days ago"),
            lambda f: np.log1p(_col(f, "tenure_days")),
            lambda a: (f"LN(1 + {_tenure_sql(a)})", ["as_of"]),
            lambda row: int(row["tenure_days"])),
    Feature("silence", _("silent for %(value)s times their usual interval"),
            _silence,
            lambda a: (f"CASE WHEN {a}.median_interval_days IS NULL THEN 0 ELSE LN(1 + {a}.days_since_last_purchase / "
                       f"CASE WHEN {a}.median_interval_days > 1 THEN {_float(f'{a}.median_interval_days')} ELSE 1.0 END) END",
                       []),
            lambda row: "—" if row["median_interval_days"] != row["median_interval_days"] else
            f"{row['days_since_last_purchase'] / max(row['median_interval_days'], 1):.1f}"),
    Feature("one_time", _("bought only once"),
            lambda f: (_col(f, "purchase_days") == 1).astype(float),
            lambda a: (f"CASE WHEN {a}.purchase_days = 1 THEN 1.0 ELSE 0.0 END", [])),
    Feature("rate", _("%(value)s purchase days a year since the first purchase"),
            lambda f: np.log(np.maximum(_col(f, "purchase_days"), 1) / (_col(f, "tenure_days") + 30)),
            lambda a: (f"LN({_float(f'{a}.purchase_days')} / ({_tenure_sql(a)} + 30))", ["as_of"]),
            lambda row: f"{365 * row['purchase_days'] / (row['tenure_days'] + 30):.1f}"),
    Feature("trend", _("sales of the last 12 months %(value)s %% against the 12 before"),
            _trend,
            lambda a: (f"CASE WHEN {a}.amount_last_12m + {a}.amount_prev_12m > 0 THEN "
                       f"{_float(f'{a}.amount_last_12m - {a}.amount_prev_12m')} / "
                       f"({a}.amount_last_12m + {a}.amount_prev_12m) ELSE 0 END", []),
            lambda row: "—" if not row["amount_prev_12m"] else
            f"{100 * (row['amount_last_12m'] - row['amount_prev_12m']) / row['amount_prev_12m']:+.0f}"),
    Feature("recent_spend", _("spent %(value)s yen in the last 12 months"),
            lambda f: np.log1p(np.maximum(_col(f, "amount_last_12m"), 0)),
            lambda a: (f"LN(1 + CASE WHEN {a}.amount_last_12m > 0 THEN {a}.amount_last_12m ELSE 0 END)", []),
            lambda row: f"{int(row['amount_last_12m']):,}"),
    Feature("p_alive", _("chance still a customer (BG/NBD) %(value)s %%"),
            lambda f: np.nan_to_num(_col(f, "p_alive"), nan=0.0),
            lambda a: (f"COALESCE({a}.p_alive, 0)", []),
            lambda row: "—" if row["p_alive"] != row["p_alive"] else f"{100 * row['p_alive']:.0f}"),
    Feature("expected", _("expected purchases in 90 days (BG/NBD) %(value)s"),
            lambda f: np.log(0.001 + np.nan_to_num(_col(f, "expected_purchases_90d"), nan=0.0)),
            lambda a: (f"LN(0.001 + COALESCE({a}.expected_purchases_90d, 0))", []),
            lambda row: "—" if row["expected_purchases_90d"] != row["expected_purchases_90d"] else
            f"{row['expected_purchases_90d']:.2f}"),
    *[
        Feature(f"reason_{reason}", label,
                lambda f, reason=reason: (f["reason"].to_numpy() == reason).astype(float),
                lambda a, reason=reason: (f"CASE WHEN {a}.reason = %s THEN 1.0 ELSE 0.0 END", [reason]))
        for reason, label in zip(
            REASONS, [_("probable reason: the product"), _("probable reason: price"),
                      _("probable reason: a change on their side")], strict=True)
    ],
    Feature("key_account", _("key account"),
            lambda f: _col(f, "is_key_account"),
            lambda a: (f"CASE WHEN {a}.is_key_account THEN 1.0 ELSE 0.0 END", [])),
    Feature("touchpoints", _("%(value)s contacts logged in the last 12 months"),
            lambda f: np.log1p(_col(f, "touchpoints_365d")),
            lambda a: (f"LN(1 + (SELECT COUNT(*) FROM {_touchpoints_table()} t WHERE t.customer_id = {a}.customer_id "
                       "AND t.occurred_at >= %s AND t.occurred_at < %s))", ["touch_from", "touch_to"]),
            lambda row: int(row["touchpoints_365d"])),
]
FEATURE_NAMES = [f.name for f in FEATURES]
BY_NAME = {f.name: f for f in FEATURES}


def feature_matrix(frame, names=FEATURE_NAMES):
    return np.column_stack([BY_NAME[name].compute(frame) for name in names]) if len(frame) else np.zeros((0, len(names)))


@dataclass
class ReturnModel:
    """A fitted model as stored: P(buys within label_days) = 1 / (1 + exp(−(intercept + Σ coefficient·feature)))."""

    features: list
    coefficients: list
    intercept: float
    means: list  # of the training rows: contributions are measured against the average training customer
    label_days: int
    horizon_days: int
    cutoffs: list = field(default_factory=list)

    def logit(self, frame):
        z = self.intercept + feature_matrix(frame, self.features) @ np.asarray(self.coefficients)
        return np.clip(z, -LOGIT_BOUND, LOGIT_BOUND)

    def probability(self, frame):
        return np.round(1.0 / (1.0 + np.exp(-self.logit(frame))), PROBABILITY_DECIMALS)

    def factors(self, frame):
        """Per row, each feature's contribution to the log-odds against the average training customer."""
        return (feature_matrix(frame, self.features) - np.asarray(self.means)) * np.asarray(self.coefficients)

    def probability_sql(self, alias, *, values):
        """(sql, params): the same probability for row `alias` of the scan's staging columns. `values`: the
        parameters the features name (sql_values)."""
        terms, params = [repr(float(self.intercept))], []
        for name, coefficient in zip(self.features, self.coefficients, strict=True):
            if coefficient == 0:
                continue
            text, names = BY_NAME[name].sql(alias)
            terms.append(f"{float(coefficient)!r} * ({text})")
            params += [values.get(p, p) if isinstance(p, str) else p for p in names]
        # Bounded so EXP never overflows (PostgreSQL raises on it).
        return f"1.0 / (1.0 + EXP(-{_clamp(' + '.join(terms), LOGIT_BOUND)}))", params

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def priority_from(probability, frame):
    """The learned priority (crm.dormancy.priority.learned_priority) of the rows of a frame."""
    from . import priority

    return priority.learned_priority(probability=probability, spend_rank=frame["spend_rank"].to_numpy(dtype=float))


def touchpoint_window(day):
    """[start, end) of the 365 days of contacts up to the end of `day`, in the company's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return end - datetime.timedelta(days=TOUCHPOINT_DAYS), end


def sql_values(as_of):
    """The values the features' SQL names, for a scan on `as_of`."""
    start, end = touchpoint_window(as_of)
    return {"as_of": as_of, "touch_from": start, "touch_to": end}


def _clamp(expr, bound):
    from crm import sql

    low, high = ("GREATEST", "LEAST") if sql.is_postgres() else ("MAX", "MIN")
    return f"{low}({high}({expr}, {bound!r}), {-bound!r})"


def training_plan(*, as_of, horizon_days, first_day):
    """(label days L, training cut-offs newest first), or None when the history is too short to learn from."""
    if first_day is None:
        return None
    history = (as_of - first_day).days
    label_days = min(horizon_days, history // 2)
    if label_days < MIN_LABEL_DAYS:
        return None
    cutoffs = []
    for j in range(MAX_CUTOFFS):
        cutoff = as_of - datetime.timedelta(days=label_days + STEP_DAYS * j)
        if (cutoff - first_day).days < min(label_days, MIN_HISTORY_DAYS):
            break
        cutoffs.append(cutoff)
    return (label_days, cutoffs) if cutoffs else None


def fit_return_model(*, as_of, horizon_days, frames=None, rule_set=None):
    """Fit on cut-offs before `as_of` (labels ending on or before it). Returns (ReturnModel or None, info)."""
    from . import backtest

    started = time.perf_counter()
    frames = frames if frames is not None else {}
    plan = training_plan(as_of=as_of, horizon_days=horizon_days, first_day=backtest.first_purchase_day())
    if plan is None:
        return None, {"skipped": "history_too_short"}
    label_days, cutoffs = plan
    parts, used = [], []
    for cutoff in cutoffs:
        frame = frames.get(cutoff)
        if frame is None:
            frame = frames[cutoff] = backtest.cutoff_frame(cutoff=cutoff, rule_set=rule_set)
        end = cutoff + datetime.timedelta(days=label_days)
        returned, _ = backtest.outcomes(cutoff=cutoff, end=end, customer_ids=frame["customer_id"])
        parts.append((feature_matrix(frame), returned, frame["customer_id"].to_numpy()))
        used.append(cutoff.isoformat())
        if sum(len(p[1]) for p in parts) >= ENOUGH_ROWS:
            break
    X = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    groups = np.concatenate([p[2] for p in parts])
    info = {"label_days": label_days, "cutoffs": used, "rows": len(y), "returners": int(y.sum())}
    if min(y.sum(), len(y) - y.sum()) < MIN_CLASS_ROWS:
        return None, {**info, "skipped": "too_few_returners"}
    if len(y) > MAX_TRAINING_ROWS:
        keep = np.sort(np.random.default_rng(SEED).choice(len(y), MAX_TRAINING_ROWS, replace=False))
        X, y, groups = X[keep], y[keep], groups[keep]
    model = _fit(X, y, groups, label_days=label_days, horizon_days=horizon_days, cutoffs=used)
    info["seconds"] = round(time.perf_counter() - started, 2)
    info["coefficients"] = {n: round(c, 4) for n, c in zip(model.features, model.coefficients, strict=True)}
    return model, info


def _fit(X, y, groups, *, label_days, horizon_days, cutoffs):
    """Logistic regression + Platt calibration on grouped out-of-fold predictions, collapsed into one linear model."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # A feature that never varies (no touchpoints logged, no key accounts) gets no coefficient.
    varies = X.std(axis=0) > 0
    names = [n for n, v in zip(FEATURE_NAMES, varies, strict=True) if v]
    Xv = X[:, varies]
    folds = list(GroupKFold(n_splits=3).split(Xv, y, groups))
    # Newton–Cholesky: a handful of iterations on these correlated features where L-BFGS needs dozens.
    base = make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cholesky", max_iter=100))
    calibrated = CalibratedClassifierCV(base, method="sigmoid", cv=folds, ensemble=False).fit(Xv, y)
    fitted = calibrated.calibrated_classifiers_[0]
    scaler, regression = fitted.estimator[0], fitted.estimator[1]
    a, b = float(fitted.calibrators[0].a_), float(fitted.calibrators[0].b_)
    # P = 1 / (1 + exp(a·z + b)), z = Σ w·(x − μ)/σ + c  ⇒  log-odds = −a·z − b, linear in x.
    w = regression.coef_[0] / scaler.scale_
    coefficients = -a * w
    intercept = -a * (float(regression.intercept_[0]) - float(np.dot(w, scaler.mean_))) - b
    full = dict.fromkeys(FEATURE_NAMES, 0.0)
    full.update(zip(names, (float(c) for c in coefficients), strict=True))
    means = dict(zip(FEATURE_NAMES, (float(m) for m in X.mean(axis=0)), strict=True))
    return ReturnModel(
        features=FEATURE_NAMES, coefficients=[full[n] for n in FEATURE_NAMES], intercept=float(intercept),
        means=[means[n] for n in FEATURE_NAMES], label_days=label_days, horizon_days=horizon_days, cutoffs=cutoffs,
    )


def explain(model, frame_row, *, top=3):
    """The largest contributions for one customer (a one-row frame), as [{"text", "raises"}], largest first."""
    contributions = model.factors(frame_row)[0]
    row = frame_row.iloc[0]
    order = np.argsort(-np.abs(contributions))
    out = []
    for index in order[:top]:
        if abs(contributions[index]) < 0.05:  # under 5 % on the odds: not worth saying
            break
        feature = BY_NAME[model.features[index]]
        value = feature.shown(row) if feature.shown else None
        text = feature.label % {"value": value} if value is not None else str(feature.label)
        out.append({"feature": feature.name, "text": text, "raises": bool(contributions[index] > 0),
                    "weight": round(float(contributions[index]), 3)})
    return out
