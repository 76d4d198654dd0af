"""Benchmark of the dormant list at scale: 1,000,000 customers, the engine's verdict on each, 500 reps.

    createdb -h 127.0.0.1 -U postgres mezame_list_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_list_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_list_bench .venv/bin/python -m bench.bench_dormant_list

The list reads CustomerDormancy only, so no purchases are generated: the customers come from bench.datasets, and
their CustomerDormancy rows are written by SQL with the shape of a real book (40 % active, 15 % prospects, 25 %
dormant — a third of them by halved sales —, 7 % at risk, 13 % lost, 2 % of the dormant excluded as small
one-timers) and one succeeded ScanRun with the counts the scan stores. Then every list a user can ask for is timed
through the real view (the Django test client, rendering included): each sort in both directions, a rep's own
list, the lost tab, "show excluded", a filter by reason, a deep page and a page past the end, best of 3 after one
warm-up; the plans of the main queries are printed; and the cost the sort indexes add to the nightly rewrite is
measured (each index dropped and built again, as pipeline._bulk_insert does after the INSERT).
"""
import argparse
import statistics
import sys
import time

from bench.django_setup import setup_postgres

CUSTOMERS = 1_000_000
REPS = 500  # books of 2,000 customers
AS_OF = "2026-11-27"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fill(customers, reps=REPS):
    """Customers (bench.datasets), `reps` reps sharing them, and a verdict per customer; idempotent."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.datasets import _customers
    from crm.dormancy.models import CustomerDormancy, ScanRun
    from crm.roles import Role

    user_model = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer WHERE code LIKE 'B%%'")
        if cursor.fetchone()[0] < customers:
            _customers(cursor, customers)
    for k in range(1, reps + 1):
        user_model.objects.get_or_create(username=f"benchrep{k}", defaults={"role": Role.SALES_REP,
                                                                           "display_name": f"担当 {k}"})
    user_model.objects.get_or_create(username="benchmanager", defaults={"role": Role.MANAGER})
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(DISTINCT assigned_rep_id) FROM customers_customer WHERE code LIKE 'B%%'")
        if cursor.fetchone()[0] != reps:
            log(f"customers: shared among {reps} reps")
            # Fresh statistics first: with none, the planner believes in a few hundred customers and loops.
            cursor.execute("ANALYZE customers_customer")
            cursor.execute("ANALYZE crm_user")
            cursor.execute(
                # Joined on the rep's number, an integer: a hash join (joined on the text, a nested loop of
                # customers × reps that took minutes at 1,000,000 customers).
                "UPDATE customers_customer c SET assigned_rep_id = u.id FROM (SELECT id, "
                "substring(username FROM 9)::int AS n FROM crm_user WHERE username ~ '^benchrep[0-9]+$') u "
                "WHERE u.n = 1 + c.id %% %s AND c.code LIKE 'B%%'", [reps]
            )
            # VACUUM FULL: the UPDATE rewrote every row; a table loaded once (an import) has no such dead space,
            # and scanning three times the pages would measure the benchmark's own set-up.
            cursor.execute("VACUUM FULL customers_customer")
            cursor.execute("VACUUM ANALYZE customers_customer")
    if CustomerDormancy.objects.count() >= customers:
        return
    log("verdicts: writing")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE crm_customerdormancy")
        # h: a stable pseudo-random 0..9999 per customer; b: a second one for the figures.
        cursor.execute(
            """
            INSERT INTO crm_customerdormancy (customer_id, status, rule, reason, dormant_since, status_since,
                days_since_last_purchase, total_amount, amount_last_12m, amount_prev_12m, priority_score, is_excluded,
                exclusion_reason, p_alive, expected_purchases_90d, next_expected_purchase_on, as_of)
            SELECT id, status, rule, reason,
                   CASE WHEN status IN ('dormant', 'lost') THEN %(as_of)s::date - (h %% 400)::int END,
                   %(as_of)s::date - (h %% 90)::int,
                   CASE WHEN status = 'prospect' THEN NULL WHEN status = 'lost' THEN 730 + b %% 900
                        WHEN rule = 'inactivity' THEN 180 + b %% 500 WHEN status = 'active' THEN b %% 120
                        ELSE b %% 170 END,
                   CASE WHEN status = 'prospect' THEN 0 ELSE 10000 + b * 997 END,
                   CASE WHEN rule = 'halved' THEN 5000 + b * 40 WHEN status IN ('active', 'at_risk') THEN b * 90
                        ELSE 0 END,
                   CASE WHEN status = 'prospect' THEN 0 ELSE b * 100 END,
                   CASE WHEN status IN ('dormant', 'at_risk', 'lost') THEN ROUND((b / 100.0)::numeric, 6) END,
                   status = 'lost' OR (status = 'dormant' AND h %% 50 = 0),
                   CASE WHEN status = 'lost' THEN 'lost' WHEN status = 'dormant' AND h %% 50 = 0
                        THEN 'one_time_small' ELSE '' END,
                   CASE WHEN status <> 'prospect' THEN b / 10000.0 END, CASE WHEN status <> 'prospect' THEN b / 2000.0 END,
                   NULL, %(as_of)s::date
            FROM (
                SELECT id, h, b,
                       CASE WHEN h < 4000 THEN 'active' WHEN h < 5500 THEN 'prospect' WHEN h < 8000 THEN 'dormant'
                            WHEN h < 8700 THEN 'at_risk' ELSE 'lost' END AS status,
                       CASE WHEN h < 5500 THEN '' WHEN h < 6300 THEN 'halved' WHEN h < 8000 THEN 'inactivity'
                            WHEN h < 8700 THEN 'cycle_overdue' ELSE 'lost' END AS rule,
                       CASE WHEN h < 5500 THEN '' ELSE (ARRAY['product', 'price', 'customer_side', 'unknown'])[1 + b %% 4]
                            END AS reason
                FROM (SELECT id, (id * 7919) %% 10000 AS h, (id * 104729) %% 10000 AS b
                      FROM customers_customer WHERE code LIKE 'B%%') n
            ) x
            """,
            {"as_of": AS_OF},
        )
        cursor.execute("ANALYZE customers_customer, crm_customerdormancy")
        cursor.execute("SELECT status, is_excluded, COUNT(*) FROM crm_customerdormancy GROUP BY 1, 2")
        statuses, excluded = {}, {}
        for status, is_excluded, n in cursor.fetchall():
            statuses[status] = statuses.get(status, 0) + n
            if is_excluded:
                excluded[status] = n
    ScanRun.objects.create(as_of=AS_OF, outcome=ScanRun.Outcome.SUCCEEDED, triggered_by="bench",
                           counts={"statuses": statuses, "excluded": excluded, "customers": sum(statuses.values())})
    log(f"verdicts: {statuses}, excluded {excluded}")


def time_page(client, params, runs=3):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/dormant/", params)  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/dormant/", params)
        samples.append(time.perf_counter() - started)
    if response.status_code != 200:
        raise RuntimeError(f"{params}: status {response.status_code}")
    rows = response.content.decode().count("data-customer=")
    return min(samples), statistics.median(samples), len(queries), rows


def explain(label, queryset):
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    print(f"\n-- {label}")
    print("\n".join(plan[:14]))


def index_rebuild():
    """Seconds to build each list index again on the full table (what the nightly rewrite adds per index)."""
    from django.db import connection

    from crm.dormancy.models import CustomerDormancy

    seconds = {}
    with connection.schema_editor(atomic=False) as editor:
        for index in CustomerDormancy._meta.indexes:
            editor.remove_index(CustomerDormancy, index)
            started = time.perf_counter()
            editor.add_index(CustomerDormancy, index)
            seconds[index.name] = round(time.perf_counter() - started, 2)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--reps", type=int, default=REPS, help="reps sharing the customers (default: 500)")
    args = parser.parse_args(argv)

    setup_postgres()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from crm.dormancy.forms import DormantFilter

    fill(args.customers, args.reps)
    user_model = get_user_model()
    manager, rep = user_model.objects.get(username="benchmanager"), user_model.objects.get(username="benchrep7")
    client_manager, client_rep = Client(), Client()
    client_manager.force_login(manager)
    client_rep.force_login(rep)

    cases = [("manager, default (priority)", client_manager, {})]
    for sort in ("priority", "last_purchase", "spend", "days", "change"):
        cases += [(f"manager, sort={sort}", client_manager, {"sort": sort}),
                  (f"manager, sort=-{sort}", client_manager, {"sort": f"-{sort}"})]
    cases += [
        ("manager, lost tab", client_manager, {"status": "lost"}),
        ("manager, lost tab, sort=-spend", client_manager, {"status": "lost", "sort": "-spend"}),
        ("manager, show excluded", client_manager, {"show_excluded": "on"}),
        ("manager, show excluded, sort=-priority", client_manager, {"show_excluded": "on", "sort": "-priority"}),
        ("manager, reason=price", client_manager, {"reason": "price"}),
        ("manager, page 100", client_manager, {"page": "100"}),
        ("manager, page past the end", client_manager, {"page": "999999"}),
        ("rep, own customers (default)", client_rep, {}),
        ("rep, own customers, sort=change", client_rep, {"sort": "change"}),
        ("rep, all reps", client_rep, {"rep": ""}),
    ]
    print(f"\n{'case':45} {'best ms':>8} {'median':>8} {'queries':>8} {'rows':>5}")
    for label, client, params in cases:
        best, median, queries, rows = time_page(client, params)
        print(f"{label:45} {best * 1000:8.1f} {median * 1000:8.1f} {queries:8d} {rows:5d}")

    from django.http import QueryDict

    explain("default list page (manager)", DormantFilter(QueryDict(""), user=manager).qs[:50])
    explain("sort=-change (reverse of an expression index)", DormantFilter(QueryDict("sort=-change"), user=manager).qs[:50])
    explain("rep's own list", DormantFilter(QueryDict(""), user=rep).qs[:50])
    explain("show excluded, reversed (no index order: top-N sort)",
            DormantFilter(QueryDict("show_excluded=on&sort=-priority"), user=manager).qs[:50])
    print("\nindex build seconds (1 table rewrite):", index_rebuild())


if __name__ == "__main__":
    main()
