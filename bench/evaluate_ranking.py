"""How well do the engine's scores predict who comes back? AUC of p_alive, expected purchases and priority vs recency.

    DATABASE_URL=postgres://…/<db> .venv/bin/python -m bench.evaluate_ranking [--cutoff YYYY-MM-DD] [--horizon-days 90]

Fits BG/NBD on the purchases up to the cut-off (default: the last purchase date minus the horizon), scores every
buyer as the nightly scan would (p_alive with the no-repeat correction, expected purchases in 90 days, the
priority formula of crm.dormancy.priority), and checks each score against the outcome "bought anything in the
horizon after the cut-off". Recency alone (fewer days since the last purchase = more likely) is the baseline.
AUC is reported for every buyer and for the customers the engine targets (quiet for 180+ days), where the
ranking matters. Reads only; writes nothing.
"""
import argparse
import datetime as dt
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def auc(scores, labels):
    """Area under the ROC curve (Mann–Whitney), ties counted half."""
    import numpy as np
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def load(cutoff, horizon_days):
    import numpy as np
    from django.db.models import Count, Max, Min, Sum

    from customers.models import Customer, Purchase

    rows = list(
        Purchase.objects.filter(purchased_on__lte=cutoff).values("customer_id")
        .annotate(first=Min("purchased_on"), last=Max("purchased_on"), days=Count("purchased_on", distinct=True),
                  total=Sum("amount")).order_by("customer_id").values_list("customer_id", "first", "last", "days", "total")
    )
    ids = np.array([r[0] for r in rows])
    first = np.array([(cutoff - r[1]).days for r in rows], dtype=float)  # T in days
    last = np.array([(cutoff - r[2]).days for r in rows], dtype=float)  # days since last purchase
    days = np.array([r[3] for r in rows], dtype=float)
    total = np.array([r[4] for r in rows], dtype=float)
    end = cutoff + dt.timedelta(days=horizon_days)
    came_back = set(
        Purchase.objects.filter(purchased_on__gt=cutoff, purchased_on__lte=end).values_list("customer_id", flat=True).distinct()
    )
    key = set(Customer.objects.filter(is_key_account=True).values_list("pk", flat=True))
    return {
        "ids": ids, "T_days": first, "recency_days": last, "purchase_days": days, "total": total,
        "label": np.array([i in came_back for i in ids]), "key": np.array([i in key for i in ids]),
    }


def scores(data):
    import numpy as np
    from scipy.stats import rankdata

    from crm.dormancy import bgnbd, priority

    x = data["purchase_days"] - 1
    T = data["T_days"] / 7
    t_x = T - data["recency_days"] / 7
    params = bgnbd.fit(x, t_x, T)
    spend_rank = (rankdata(data["total"], method="min") - 1) / max(len(data["total"]) - 1, 1)  # percent_rank
    alive = bgnbd.p_alive(params, x, t_x, T)
    prio = np.array([
        priority.priority_score(days=d, spend_rank=s, purchase_days=f, is_key_account=k, p_alive=p)
        for d, s, f, k, p in zip(data["recency_days"], spend_rank, data["purchase_days"], data["key"], alive, strict=True)
    ])
    frequency = np.minimum(data["purchase_days"], 24) / 24
    before = 0.35 * np.maximum(0, 1 - data["recency_days"] / 730) + 0.30 * spend_rank + 0.20 * frequency + 0.15 * data["key"]
    return params, {
        "recency (baseline)": -data["recency_days"],
        "p_alive (BG/NBD as published)": bgnbd.p_alive(params, x, t_x, T, no_repeat="bgnbd"),
        "p_alive (engine, no-repeat fix)": alive,
        "expected_purchases_90d": bgnbd.expected_purchases(params, 90 / 7, x, t_x, T),
        "priority (before: weighted sum)": before,
        "priority score": prio,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cutoff", help="fit on purchases up to this date (default: last purchase − horizon)")
    parser.add_argument("--horizon-days", type=int, default=90)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db.models import Max

    from customers.models import Purchase

    last_day = Purchase.objects.aggregate(last=Max("purchased_on"))["last"]
    if last_day is None:
        sys.exit("no purchases in this database")
    cutoff = dt.date.fromisoformat(args.cutoff) if args.cutoff else last_day - dt.timedelta(days=args.horizon_days)
    data = load(cutoff, args.horizon_days)
    params, named = scores(data)
    quiet = data["recency_days"] >= 180
    print(f"cut-off {cutoff}, horizon {args.horizon_days} days, {len(data['ids']):,} buyers "
          f"({data['label'].mean():.1%} came back); quiet 180+ days: {quiet.sum():,} "
          f"({data['label'][quiet].mean() if quiet.any() else float('nan'):.1%} came back)")
    print(f"BG/NBD (weeks): r={params.r:.3f} alpha={params.alpha:.3f} a={params.a:.3f} b={params.b:.3f}")
    print(f"{'score':<34}{'AUC all':>10}{'AUC quiet':>11}")
    for name, values in named.items():
        print(f"{name:<34}{auc(values, data['label']):>10.3f}{auc(values[quiet], data['label'][quiet]):>11.3f}")


if __name__ == "__main__":
    main()
