"""Benchmark of list maintenance: the worklist counts, the list's completeness, a worklist page, bulk retirement and a
merge with its undo, against floors measured in the same run.

    createdb -h 127.0.0.1 -U postgres mezame_maint_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_maint_bench .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.bench_list_maintenance --dsn postgres://postgres@127.0.0.1:5432/mezame_maint_bench \
        [--customers 1000000]

Data: bench.campaign_data (customers with verdicts, summaries, 3 purchases each, 2 million touchpoints at 1M).
Floors: a plain SELECT COUNT(*) over the customers (for the counts), a plain UPDATE of the same rows (for the bulk
retirement). The worklist page is measured both ways: every count live (worklist_counts, list_completeness: what
each view cost before) and as the page does it now (the nightly tally's row, the open list and the review flags
live: customers.maintenance.tally), then whole responses of the page through Django's test client.

200,000 customers, load average 5–9 from other sessions: all live 1,834 + 551 ms (67× + 20× floor); from the tally
11 ms (0.4×); the whole default page 184 ms; the tally refresh (nightly) 3.8 s. Details: docs/list_maintenance.md. The bulk retirement and the merge run in a transaction rolled back, so the data set stays as it was.
Best of 3 after a warm-up.
"""
import argparse
import time

from bench.django_setup import setup_postgres

BULK = 10_000


class Rollback(Exception):
    pass


def best_of(fn, runs=3):
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return min(samples)


def rolled_back(fn):
    """fn() inside a transaction that is rolled back; returns its duration."""
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            fn()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return elapsed


def fill(customers):
    """bench.campaign_data's data set; its touchpoints are written here first with bound parameters (its own
    statement runs without parameters, where psycopg leaves the "%%" of its modulo as is)."""
    from django.db import connection

    from bench import campaign_data
    from bench.bench_dormant_list import fill as fill_customers_and_verdicts

    fill_customers_and_verdicts(customers)
    with connection.cursor() as cursor:
        if not campaign_data._done(cursor, "campaign_touchpoints"):
            campaign_data.log("touchpoints: 2 per customer over the last 200 days")
            cursor.execute(
                """
                INSERT INTO customers_touchpoint (customer_id, occurred_at, department, channel, summary, created_at)
                SELECT c.id, now() - ((c.id * 13 + k * 7) %% %(days)s) * interval '1 day', 'sales',
                       (ARRAY['email', 'letter', 'phone'])[1 + (c.id + k) %% 3], 'bench', now()
                FROM customers_customer c CROSS JOIN generate_series(1, 2) k WHERE c.code LIKE 'B%%'
                """, {"days": 200})
            campaign_data._mark(cursor, "campaign_touchpoints")
    campaign_data.fill(customers)


def settings_hosts():
    """The page is fetched through Django's test client, whose host is "testserver"."""
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    setup_postgres(args.dsn)
    settings_hosts()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from crm.roles import Role
    from customers.maintenance.completeness import completeness_expression, list_completeness
    from customers.maintenance.merge import customer_merge, customer_merge_undo
    from customers.maintenance.retire import customers_retire_bulk
    from customers.maintenance.tally import tally_scope, worklist_page_counts, worklist_tally_refresh
    from customers.maintenance.worklists import WorklistParams, live_customers, worklist_counts, worklist_queryset
    from customers.models import Customer

    fill(args.customers)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    maintainer, _created = get_user_model().objects.get_or_create(
        username="benchmaintainer", defaults={"role": Role.LIST_MAINTAINER, "display_name": "bench"})
    total = Customer.objects.count()
    results = {}

    def floor_count():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM customers_customer")
            cursor.fetchone()

    results["floor: SELECT COUNT(*)"] = best_of(floor_count)
    results["worklist counts, all live (10 lists: 1 aggregate + 3 counts)"] = best_of(lambda: worklist_counts())
    results["list completeness, live (2 queries)"] = best_of(lambda: list_completeness())
    results["nightly tally refresh (scan step: every filter combination)"] = best_of(
        lambda: worklist_tally_refresh(), runs=1)
    results["page counts + completeness from the tally (review, sources live)"] = best_of(
        lambda: worklist_page_counts(base=live_customers(), params=WorklistParams(), scope=tally_scope()))
    client = Client()
    client.force_login(maintainer)
    for key, name in (("review", "review flags (the default)"), ("missing_email", "no e-mail"),
                      ("postal_mismatch", "postal code mismatch"), ("no_touchpoint", "no touchpoint in 12 months")):
        url = f"{reverse('customers:worklist')}?list={key}"
        results[f"worklist page view (whole response): {name}"] = best_of(lambda url=url: client.get(url))
    page = lambda key: list(worklist_queryset(key).annotate(c=completeness_expression()).order_by("code")[:25])  # noqa: E731
    results["worklist page: missing e-mail, first 25"] = best_of(lambda: page("missing_email"))
    results["worklist page: no touchpoint in 12 months, first 25"] = best_of(lambda: page("no_touchpoint"))

    bulk = min(BULK, total)  # a small base (a quick check) retires all of it
    first = Customer.objects.order_by("pk").values_list("pk", flat=True)[bulk - 1]
    chosen = Customer.objects.filter(pk__lte=first, merged_into__isnull=True)

    def floor_update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE customers_customer SET lifecycle = 'retired' WHERE id <= %s", [first])

    results[f"floor: plain UPDATE of {bulk:,} rows"] = min(rolled_back(floor_update) for _ in range(3))
    results[f"bulk retirement of {bulk:,} (rows, UPDATE, history)"] = min(
        rolled_back(lambda: customers_retire_bulk(queryset=chosen, by=maintainer, reason="bench")) for _ in range(3))

    survivor, duplicate = Customer.objects.order_by("pk")[:2]

    def merge_and_undo():
        merge = customer_merge(survivor=survivor, duplicate=duplicate, by=maintainer)
        customer_merge_undo(merge=merge, by=maintainer)

    results["merge + undo of one pair (every relation)"] = min(rolled_back(merge_and_undo) for _ in range(3))

    print(f"customers: {total:,}")
    count_floor = results["floor: SELECT COUNT(*)"]
    update_floor = results[f"floor: plain UPDATE of {bulk:,} rows"]
    for name, seconds in results.items():
        floor = update_floor if "retirement" in name else count_floor
        ratio = "" if name.startswith("floor") or "merge" in name else f"  ({seconds / floor:.1f}× floor)"
        print(f"{name:55s} {seconds * 1000:9.1f} ms{ratio}")


if __name__ == "__main__":
    main()
