"""How well does the ranking find who comes back? The product's back-test on the current database (e.g. the demo).

    DATABASE_URL=… .venv/bin/python -m bench.evaluate_ranking [--as-of YYYY-MM-DD] [--horizon 90 --horizon 180]

For each horizon H: cut-off C = as_of − H (default as_of: the last purchase day), every score computed from the
purchases up to C, outcome "bought on a day in (C, as_of]" — exactly `manage.py backtest_ranking`
(crm.dormancy.backtest), printed as one table per population: all buyers, and the targets (dormant or at risk at C).
Reads only; writes nothing. bench/backtest_cdnow.py runs the same on a real retailer's history,
bench/simulate_ranking.py on simulated purchases whose true chances of return are known.
"""
import argparse
import datetime as dt
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
COLUMNS = (("auc", "AUC", 7), ("top10_hit", "top10", 8), ("top20_hit", "top20", 8), ("top10_revenue_share", "rev10", 8))


def print_table(figures, out=sys.stdout):
    """One back-test's figures (the JSON of backtest_ranking) as text tables."""
    print(f"\nas of {figures['as_of']}, cut-off {figures['cutoff']}, horizon {figures['horizon_days']} days; "
          f"priority in force: {figures['priority_in_force']} ({figures['why']}); {figures.get('seconds')} s", file=out)
    model = figures.get("model") or {}
    if model.get("cutoffs"):
        print(f"learned model: trained on cut-offs {', '.join(model['cutoffs'])}, labels {model['label_days']} days, "
              f"{model['rows']:,} rows", file=out)
    if not figures["populations"]:
        print(f"  too little history: {figures['returners']} came back after the cut-off", file=out)
    for name, population in figures["populations"].items():
        print(f"  {name}: {population['customers']:,} customers, {population['returners']:,} came back "
              f"({population['returners'] / max(population['customers'], 1):.1%})", file=out)
        print(f"    {'score':<24}" + "".join(f"{title:>{width}}" for _, title, width in COLUMNS), file=out)
        for score, values in population["scores"].items():
            cells = "".join(
                f"{'—' if values[key] is None else format(values[key], '.3f'):>{width}}" for key, _, width in COLUMNS
            )
            print(f"    {score:<24}{cells}", file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", help="end of the outcome window (default: the last purchase day)")
    parser.add_argument("--horizon", type=int, action="append", help="days; repeat for several (default 90 and 180)")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db.models import Max

    from crm.dormancy import backtest
    from customers.models import Purchase

    last_day = Purchase.objects.aggregate(last=Max("purchased_on"))["last"]
    if last_day is None:
        sys.exit("no purchases in this database")
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else last_day
    for horizon in args.horizon or [90, 180]:
        print_table(backtest.ranking_backtest(as_of=as_of, horizon_days=horizon))


if __name__ == "__main__":
    main()
