"""The ranking back-test on real data: the CDNOW master log (23,570 customers, January 1997 – June 1998).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<fresh db> .venv/bin/python -m bench.backtest_cdnow \
        [--wheel /path/to/Lifetimes-0.11.3-py3-none-any.whl] [--as-of 1998-06-30 --horizon 273] [--also-90]

The data set is not in the repository. It ships inside the `lifetimes` package (lifetimes/datasets/CDNOW_master.txt:
customer id, date YYYYMMDD, number of CDs, dollar value); it is read from the wheel given with --wheel, or from an
installed `lifetimes`, located without importing it (it does not import on current numpy/pandas).

It goes into the database through the product's own purchases importer (a CSV with customer code, day, quantity and
amount; unknown customers created by the import, as a new user would do it). Amounts: the dollar value in cents,
stored as yen (so 11.77 dollars = 1,177 yen; the one-time-buyer exclusion at 10,000 yen is then 100 dollars).
Every customer of CDNOW bought first in the first quarter of 1997 (one cohort), and most bought only once.

Then it runs the product's back-test, `manage.py backtest_ranking --as-of D --horizon H` (cut-off D − H; the
learned model trained only on cut-offs before it, as the nightly scan would), and prints each score's figures for
all customers and for the targets (dormant or at risk at the cut-off). --also-90 adds H = 90 at two more dates.

The database must hold no other customers (a fresh one: createdb, migrate); a re-run reuses the loaded data.
"""
import argparse
import csv
import datetime as dt
import importlib.util
import io
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
MEMBER = "lifetimes/datasets/CDNOW_master.txt"
CODE_PREFIX = "CDNOW"
IMPORT_DAY = dt.date(1998, 7, 1)  # the data set's "today": the day after its last purchase


def read_master(wheel=None):
    """The raw text of CDNOW_master.txt, from the wheel or from an installed lifetimes (never imported)."""
    if wheel:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(MEMBER).decode("ascii")
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("CDNOW data not found: pass --wheel PATH to Lifetimes-0.11.3-py3-none-any.whl, or pip install lifetimes")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt"
    return path.read_text(encoding="ascii")


def as_purchases_csv(text):
    """CDNOW lines → the importer's CSV (customer_code, purchased_on, quantity, amount in cents as yen)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_code", "purchased_on", "quantity", "amount"])
    rows = 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[0].isdigit():
            continue  # the header line
        customer, day, cds, dollars = parts
        cents = round(float(dollars) * 100)
        writer.writerow([f"{CODE_PREFIX}{customer}", f"{day[:4]}-{day[4:6]}-{day[6:]}", cds, cents])
        rows += 1
    return out.getvalue().encode("utf-8"), rows


def load(wheel):
    from customers.models import Customer, Purchase
    from customers.purchases.importer import purchases_import

    foreign = Customer.objects.exclude(code__startswith=CODE_PREFIX).count()
    if foreign:
        sys.exit(f"this database holds {foreign} other customers: use a fresh database (createdb, migrate)")
    if Purchase.objects.exists():
        return {"reused": True, "customers": Customer.objects.count(), "purchases": Purchase.objects.count()}
    data, rows = as_purchases_csv(read_master(wheel))
    started = time.perf_counter()
    result = purchases_import(data=data, filename="cdnow.csv", create_missing_customers=True, today=IMPORT_DAY)
    if not result.written:
        sys.exit(f"the import wrote nothing: {result}")
    return {"reused": False, "lines": rows, "customers": Customer.objects.count(),
            "purchases": Purchase.objects.count(), "import_seconds": round(time.perf_counter() - started, 1)}


def independent_recency(text, cutoff, end):
    """Recency's figures computed again from the raw file with pandas and scikit-learn, sharing no code with the
    product: AUC by roc_auc_score; the top 10 % as the first ceil(n/10) customers sorted by days since the last
    purchase, then customer id (an arbitrary tie-break, where the product counts boundary ties fractionally).
    Targets: inactivity (180+ days), halved (last 365 days at most half of the 365 before, which had sales) or the
    purchase cycle (3+ purchase days, silent more than twice the median interval), not lost (730+ days)."""
    import math

    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    rows = [line.split() for line in text.splitlines()[1:] if line.strip()]
    data = pd.DataFrame(rows, columns=["customer", "day", "cds", "dollars"])
    data["day"] = pd.to_datetime(data["day"], format="%Y%m%d")
    data["cents"] = (data["dollars"].astype(float) * 100).round()
    cutoff, end = pd.Timestamp(cutoff), pd.Timestamp(end)
    days = data[data["day"] <= cutoff].groupby(["customer", "day"], as_index=False)["cents"].sum()
    per = days.groupby("customer").agg(last=("day", "max"), purchase_days=("day", "count"))
    per["silent"] = (cutoff - per["last"]).dt.days
    gaps = days.sort_values(["customer", "day"]).groupby("customer")["day"].diff().dt.days
    per["median"] = gaps.groupby(days["customer"]).median()
    last_year = days[days["day"] > cutoff - pd.Timedelta(days=365)].groupby("customer")["cents"].sum()
    year_before = days[(days["day"] <= cutoff - pd.Timedelta(days=365))
                       & (days["day"] > cutoff - pd.Timedelta(days=730))].groupby("customer")["cents"].sum()
    per["l12"] = last_year.reindex(per.index).fillna(0)
    per["p12"] = year_before.reindex(per.index).fillna(0)
    later = data[(data["day"] > cutoff) & (data["day"] <= end)]["customer"].unique()
    per["returned"] = per.index.isin(later)
    halved = (per["p12"] > 0) & (per["l12"] * 100 <= 50 * per["p12"])
    cycle = (per["purchase_days"] >= 3) & per["median"].notna() & (per["silent"] > 2 * per["median"])
    targets = per[(per["silent"] < 730) & ((per["silent"] >= 180) | halved | cycle)]
    out = {}
    for name, group in (("all", per), ("targets", targets)):
        ordered = group.assign(id=group.index.astype(int)).sort_values(["silent", "id"])
        top = ordered.head(math.ceil(len(ordered) / 10))
        out[name] = {"customers": len(group), "returners": int(group["returned"].sum()),
                     "auc": float(roc_auc_score(group["returned"], -group["silent"])),
                     "top10_hit": float(np.mean(top["returned"]))}
    return out


def backtest(as_of, horizon):
    """The product's command, with its JSON read back."""
    from django.core.management import call_command

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        call_command("backtest_ranking", as_of=as_of.isoformat(), horizon=horizon, json=out.name, stdout=io.StringIO())
        return json.loads(Path(out.name).read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="path to Lifetimes-0.11.3-py3-none-any.whl (default: an installed lifetimes)")
    parser.add_argument("--as-of", default="1998-06-30")
    parser.add_argument("--horizon", type=int, default=273)
    parser.add_argument("--also-90", action="store_true", help="also H = 90 days as of 1998-03-31 and 1998-06-30")
    parser.add_argument("--json", help="write every back-test's figures to this file")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from bench.evaluate_ranking import print_table

    info = load(args.wheel)
    print(f"data: {info}")
    runs = [(dt.date.fromisoformat(args.as_of), args.horizon)]
    if args.also_90:
        runs += [(dt.date(1998, 3, 31), 90), (dt.date(1998, 6, 30), 90)]
    results = []
    text = read_master(args.wheel)
    for as_of, horizon in runs:
        figures = backtest(as_of, horizon)
        results.append(figures)
        print_table(figures)
        check = independent_recency(text, figures["cutoff"], figures["as_of"])
        for name, mine in check.items():
            product = figures["populations"][name]
            recency = product["scores"]["recency"]
            print(f"  independent check, {name}: {mine['customers']:,} customers ({product['customers']:,}), "
                  f"{mine['returners']:,} came back ({product['returners']:,}); recency AUC {mine['auc']:.4f} "
                  f"({recency['auc']:.4f}), top 10 % {mine['top10_hit']:.4f} ({recency['top10_hit']:.4f})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
