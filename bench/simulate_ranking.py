"""The ranking on data nobody tuned: purchases drawn from a known process, so each customer's true chance of coming
back is known, then scored by the product's own back-test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<fresh db> .venv/bin/python -m bench.simulate_ranking \
        [--customers 20000] [--seed 7] [--process pareto|bgnbd] [--horizon 90] [--drop-share 0.3]

The process (times in days, four years of history up to D = 2024-12-31):
- customers join at uniformly random times; each buys as a Poisson process with a rate drawn from a gamma
  distribution (shape 0.8, mean one purchase day per 50 days): heterogeneous, as in NBD models;
- they leave for good: `pareto` (Pareto/NBD) at an exponential time with a gamma-distributed rate (shape 1, mean
  lifetime 700 days); `bgnbd` (BG/NBD) after each repeat purchase with a beta-distributed probability (1, 5);
- a share of customers (--drop-share, default 30 %) have their rate drop to a tenth at a random time (uniform in
  the 1,000 days after they join): the steady buyer who quietly goes elsewhere, which neither model describes;
- spend per purchase day: a customer mean drawn log-normally (median 15,000 yen), each purchase ±40 %;
  the 3 % with the highest expected yearly spend are key accounts.

The truth at the cut-off C = D − H for every customer who had bought by then: P(buys on a day in (C, C + H] |
alive or not, rate, drop time) — 0 for one who left; 1 − E[exp(−Λ)] over the remaining lifetime otherwise.
Each score is then measured against the truth — the expected AUC if the outcome were drawn again from those
chances, i.e. the realized outcome's luck removed — and against the realized outcome, as the back-test does.
The engine's p_alive (with the one-time-buyer correction) and the BG/NBD paper's are also measured against the
true "still a customer at C".

The purchases go in through the product's purchases importer; the database must hold no other customers (a rerun
deletes this simulator's own customers, codes SIM…, first).
"""
import argparse
import csv
import datetime as dt
import io
import os
import sys
import time

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
FIRST_DAY = dt.date(2021, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)
CODE_PREFIX = "SIM"
RATE_SHAPE, RATE_MEAN_DAYS = 0.8, 50.0
LIFETIME_SHAPE, LIFETIME_MEAN_DAYS = 1.0, 700.0
DROPOUT_BETA = (1.0, 5.0)
DROP_FACTOR, DROP_WITHIN_DAYS = 0.1, 1000.0
KEY_ACCOUNT_SHARE = 0.03


def simulate(*, customers, seed, process, drop_share):
    """(customer table, purchase days): numpy arrays in days from FIRST_DAY; purchases up to LAST_DAY."""
    rng = np.random.default_rng(seed)
    total = (LAST_DAY - FIRST_DAY).days
    n = customers
    start = np.floor(rng.uniform(0, total - 30, n))
    rate = rng.gamma(RATE_SHAPE, (1 / RATE_MEAN_DAYS) / RATE_SHAPE, n)
    dropout_rate = rng.gamma(LIFETIME_SHAPE, (1 / LIFETIME_MEAN_DAYS) / LIFETIME_SHAPE, n)
    death = start + rng.exponential(1 / dropout_rate) if process == "pareto" else np.full(n, np.inf)
    dropout_p = rng.beta(*DROPOUT_BETA, n)
    drops = rng.random(n) < drop_share
    drop_at = np.where(drops, start + rng.uniform(0, DROP_WITHIN_DAYS, n), np.inf)
    mean_spend = np.exp(rng.normal(np.log(15_000), 0.9, n))
    # Purchases one round at a time for every customer still going: the next time under the current rate.
    days_of = [[s] for s in start]
    t = start.copy()
    going = np.ones(n, dtype=bool)
    while going.any():
        idx = np.flatnonzero(going)
        current = np.where(t[idx] < drop_at[idx], rate[idx], rate[idx] * DROP_FACTOR)
        nxt = t[idx] + rng.exponential(1 / current)
        crossing = (t[idx] < drop_at[idx]) & (nxt > drop_at[idx])
        # Memoryless: a draw that passes the drop time restarts from it at the lower rate.
        nxt = np.where(crossing, drop_at[idx] + rng.exponential(1 / (rate[idx] * DROP_FACTOR)), nxt)
        ended = (nxt > total) | (nxt > death[idx])
        buy = idx[~ended]
        for i, day in zip(buy.tolist(), np.floor(nxt[~ended]).tolist(), strict=True):
            days_of[i].append(day)
        t[buy] = nxt[~ended]
        going[idx[ended]] = False
        if process == "bgnbd" and len(buy):
            leave = rng.random(len(buy)) < dropout_p[buy]
            death[buy[leave]] = t[buy[leave]]
            going[buy[leave]] = False
    expected_yearly = mean_spend * rate * 365
    key = expected_yearly >= np.quantile(expected_yearly, 1 - KEY_ACCOUNT_SHARE)
    table = {"start": start, "rate": rate, "dropout_rate": dropout_rate, "dropout_p": dropout_p, "death": death,
             "drop_at": drop_at, "mean_spend": mean_spend, "key": key}
    rows = []
    for i, days in enumerate(days_of):
        for day in sorted(set(days)):
            amount = round(mean_spend[i] * rng.lognormal(-0.08, 0.4))
            rows.append((i, int(day), max(amount, 100)))
    return table, rows


def true_return_chance(table, *, cutoff_day, horizon, process, purchase_days_by_c):
    """P(a purchase day in (C, C + H]) given the latent state at C, per customer; and alive-at-C flags."""
    start, rate, death, drop_at = table["start"], table["rate"], table["death"], table["drop_at"]
    alive = (start <= cutoff_day) & (death > cutoff_day)
    if process == "bgnbd":
        # Leaving happens only right after a purchase: recompute from the purchases actually made up to C.
        alive = (start <= cutoff_day) & ~purchase_days_by_c["left_by_c"]
    steps = np.linspace(0, horizon, 401)
    s = steps[None, :]
    before = np.clip(drop_at[:, None] - cutoff_day, 0, None)  # days of the window at the full rate
    full = np.minimum(s, before)
    cumulative = rate[:, None] * (full + DROP_FACTOR * (s - full))  # Λ(s)
    if process == "pareto":
        mu = table["dropout_rate"][:, None]
        density = mu * np.exp(-mu * s) * np.exp(-cumulative)
        no_purchase = np.trapezoid(density, steps, axis=1) + np.exp(-mu[:, 0] * horizon - cumulative[:, -1])
    else:
        no_purchase = np.exp(-cumulative[:, -1])
    return np.where(alive, 1 - no_purchase, 0.0), alive


def expected_auc(scores, chances):
    """The AUC `scores` would have on average if each outcome were drawn with its true chance (pairs i ≠ j)."""
    scores, p = np.asarray(scores, dtype=float), np.asarray(chances, dtype=float)
    order = np.argsort(scores, kind="stable")
    s, p = scores[order], p[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    neg = 1 - p
    pos_sum = np.add.reduceat(p, starts)
    neg_sum = np.add.reduceat(neg, starts)
    below = np.r_[0, np.cumsum(neg_sum)[:-1]]  # negatives' weight in strictly lower groups
    tie_pairs = pos_sum * neg_sum - np.add.reduceat(p * neg, starts)  # within a group, i ≠ j
    wins = np.sum(pos_sum * below) + 0.5 * np.sum(tie_pairs)
    total = p.sum() * neg.sum() - np.sum(p * neg)
    return float(wins / total) if total > 0 else float("nan")


def load(rows, table):
    from customers.models import Customer, Purchase
    from customers.purchases.importer import purchases_import

    foreign = Customer.objects.exclude(code__startswith=CODE_PREFIX).count()
    if foreign:
        sys.exit(f"this database holds {foreign} other customers: use a fresh database (createdb, migrate)")
    Purchase.objects.filter(customer__code__startswith=CODE_PREFIX).delete()
    Customer.objects.filter(code__startswith=CODE_PREFIX).delete()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_code", "purchased_on", "amount"])
    for i, day, amount in rows:
        writer.writerow([f"{CODE_PREFIX}{i:06d}", (FIRST_DAY + dt.timedelta(days=day)).isoformat(), amount])
    result = purchases_import(data=out.getvalue().encode(), filename="simulated.csv", create_missing_customers=True,
                              today=LAST_DAY + dt.timedelta(days=1))
    if not result.written:
        sys.exit(f"the import wrote nothing: {result}")
    key_codes = [f"{CODE_PREFIX}{i:06d}" for i in np.flatnonzero(table["key"])]
    Customer.objects.filter(code__in=key_codes).update(is_key_account=True)
    return dict(Customer.objects.filter(code__startswith=CODE_PREFIX).values_list("pk", "code"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--process", choices=["pareto", "bgnbd"], default="pareto")
    parser.add_argument("--drop-share", type=float, default=0.3)
    parser.add_argument("--horizon", type=int, default=90)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from crm.dormancy import backtest

    started = time.perf_counter()
    table, rows = simulate(customers=args.customers, seed=args.seed, process=args.process, drop_share=args.drop_share)
    print(f"simulated {args.customers:,} customers, {len(rows):,} purchase days ({args.process}, "
          f"{args.drop_share:.0%} with a rate drop) in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    codes = load(rows, table)
    print(f"imported in {time.perf_counter() - started:.1f} s")

    as_of = LAST_DAY
    cutoff = as_of - dt.timedelta(days=args.horizon)
    cutoff_day = (cutoff - FIRST_DAY).days
    days = np.array([r[1] for r in rows])
    who = np.array([r[0] for r in rows])
    # BG/NBD: who had left by C (after their last repeat purchase up to C).
    made = np.bincount(who[days <= cutoff_day], minlength=args.customers)
    left_by_c = (table["death"] <= cutoff_day) & (made > 0)
    chance, alive = true_return_chance(table, cutoff_day=cutoff_day, horizon=args.horizon, process=args.process,
                                       purchase_days_by_c={"left_by_c": left_by_c})

    frames = {}  # the cut-off frames, read once for both calls
    figures = backtest.ranking_backtest(as_of=as_of, horizon_days=args.horizon, frames=frames)
    data = backtest.backtest_data(as_of=as_of, horizon_days=args.horizon, frames=frames)
    index = np.array([int(codes[pk][len(CODE_PREFIX):]) for pk in data.frame["customer_id"]])
    truth, alive_now = chance[index], alive[index]
    targets = data.frame["status"].isin(backtest.TARGET_STATUSES).to_numpy()
    print(f"cut-off {cutoff}, horizon {args.horizon} days: {len(index):,} customers had bought "
          f"({alive_now.mean():.1%} still customers), {data.returned.mean():.1%} came back "
          f"(true chances average {truth.mean():.1%}); targets {targets.sum():,}; "
          f"priority in force: {figures['priority_in_force']} ({figures['why']})")
    print(f"{'score':<24}{'AUC vs truth':>13}{'realized':>10}{'targets: truth':>16}{'realized':>10}{'top10':>8}")
    named = dict(data.scores)
    named["priority"] = named[f"priority_{figures['priority_in_force']}"]
    named["truth (ceiling)"] = truth
    for name, values in named.items():
        values = np.asarray(values, dtype=float)
        row = [expected_auc(values, truth), backtest.auc(values, data.returned),
               expected_auc(values[targets], truth[targets]), backtest.auc(values[targets], data.returned[targets]),
               backtest.top_sum(values[targets], data.returned[targets], 0.1) / (0.1 * targets.sum())]
        print(f"{name:<24}" + "".join(f"{v:>{w}.3f}" for v, w in zip(row, (13, 10, 16, 10, 8), strict=True)))
    print("p_alive against the true 'still a customer at the cut-off' (AUC, all / one-time buyers):")
    one_time = data.frame["purchase_days"].to_numpy() == 1
    for name in ("p_alive", "p_alive_bgnbd"):
        values = data.scores[name]
        print(f"  {name:<22}{backtest.auc(values, alive_now):>8.3f}"
              f"{(backtest.auc(values[one_time], alive_now[one_time]) or float('nan')):>8.3f}")


if __name__ == "__main__":
    main()
