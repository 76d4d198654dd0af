"""Benchmark of the segment preview at 1,000,000 customers: count by exclusion reason + the first 20 rows.

    createdb -h 127.0.0.1 -U postgres mezame_seq_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_seq_bench .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.bench_segments --dsn postgres://postgres@127.0.0.1:5432/mezame_seq_bench

Data: bench.campaign_data (customers, verdicts, purchases, summaries, 2 million touchpoints). Each filter of
campaigns.segments alone (and a combination), previewed for the e-mail channel as the builder does
(segments.preview: the counts, then the sample), best of 3 after a warm-up; the counts' and the sample's own best
times beside it. Floors measured in the same run:
- count: a plain SELECT COUNT(*) over the customers (parallel);
- work: what any exact answer has to do at least — one pass over the customers reading the columns the
  exclusions test (serial: the reasons are counted in one pass) plus reading the capped customers from the cap's
  count (campaigns.caps, taken first, as the nightly scan leaves it);
- join: the customers joined to their purchase summaries in the spend range, counted — the least a filter on the
  summary costs before any exclusion.
Also printed: the cap counted from every customer's touchpoints (what the count replaces).
Target: ≤ 1 s each.
"""
import argparse
import time
from datetime import timedelta

from bench.django_setup import setup_postgres


def best_of(fn, runs=3):
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return min(samples)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--explain", action="store_true", help="print the plan of the count query of each filter")
    args = parser.parse_args(argv)
    setup_postgres(args.dsn)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import campaign_data
    from campaigns import caps, segments
    from customers.models import Product, Tag

    campaign_data.fill(args.customers)
    # The cap's count, as the nightly scan leaves it (campaigns.caps): previews read it. Its floor: reading the
    # contacts it ranks (the capped channels' touchpoints of the last 180 days, from the same index), counted.
    count_s = best_of(caps.contact_caps_count, runs=1)

    def count_floor():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            for channel in caps.CAPPED_CHANNELS:
                cursor.execute("SELECT COUNT(*) FROM customers_touchpoint WHERE channel = %s AND occurred_at > %s",
                               [channel, timezone.now() - timedelta(days=180)])
    tag, _created = Tag.objects.get_or_create(name="bench")
    product = Product.objects.filter(code="BP007").first()
    rep_ids = list(get_user_model().objects.filter(username__startswith="benchrep")
                   .values_list("pk", flat=True)[:3])

    def floor():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM customers_customer")
            cursor.fetchone()

    def work_floor():
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SELECT COUNT(*) FILTER (WHERE merged_into_id IS NULL AND lifecycle <> 'retired' AND "
                           "email <> '' AND has_email_consent) FROM customers_customer")
            cursor.execute("SELECT COUNT(*) FROM campaigns_contactcap WHERE channel = 'email' AND "
                           "(nth_30d_at > %s OR nth_180d_at > %s)",
                           [now - timedelta(days=30), now - timedelta(days=180)])

    def cap_from_touchpoints():
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL enable_hashagg = off")
            cursor.execute("SELECT COUNT(*) FROM (SELECT customer_id FROM customers_touchpoint WHERE channel = "
                           "'email' AND occurred_at > %s AND occurred_at <= %s GROUP BY customer_id "
                           "HAVING COUNT(*) >= 6 OR COUNT(*) FILTER (WHERE occurred_at > %s) >= 2) c",
                           [now - timedelta(days=180), now, now - timedelta(days=30)])

    def summary_join_floor():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SELECT COUNT(*) FROM customers_customer c JOIN customers_customerpurchasesummary s "
                           "ON s.customer_id = c.id WHERE s.total_amount BETWEEN 20000 AND 40000")

    def in_transaction(fn):
        def run():
            with transaction.atomic():
                fn()
        return run

    with transaction.atomic():
        count_floor_s = best_of(count_floor)
    floor_s = best_of(floor)
    work_s = best_of(in_transaction(work_floor))
    cap_s = best_of(in_transaction(cap_from_touchpoints))
    join_s = best_of(in_transaction(summary_join_floor))
    cases = [
        ("everyone", {}),
        ("statuses=dormant", {"statuses": ["dormant"]}),
        ("reasons=price", {"reasons": ["price"]}),
        ("priority 60–100", {"priority_min": 60, "priority_max": 100}),
        ("reps (3)", {"reps": rep_ids}),
        ("tags", {"tags": [tag.pk]}),
        ("industries=建設", {"industries": ["建設"]}),
        ("prefectures=大阪府", {"prefectures": ["大阪府"]}),
        ("fiscal_months=3", {"fiscal_months": [3]}),
        ("bought product BP007", {"products": [product.pk]}),
        ("never bought category 食品", {"categories": ["食品"], "product_mode": "never"}),
        ("last purchase in 2025", {"last_purchase_from": "2025-01-01", "last_purchase_to": "2025-12-31"}),
        ("spend 20,000–40,000", {"spend_min": 20000, "spend_max": 40000}),
        ("next purchase within 30 days", {"next_purchase_within_days": 30}),
        ("dormant + price + Tokyo + spend ≥ 10,000", {"statuses": ["dormant"], "reasons": ["price"],
                                                      "prefectures": ["東京都"], "spend_min": 10000}),
    ]
    print(f"the cap's count (campaigns.caps.contact_caps_count, nightly): {count_s:.2f} s; floor (reading the "
          f"contacts it ranks) {count_floor_s:.2f} s: {count_s / count_floor_s:.1f}×")
    print(f"count floor: SELECT COUNT(*) FROM customers_customer = {floor_s * 1000:.1f} ms")
    print(f"work floor: one serial pass over the customers' exclusion columns + the capped ids read from the count "
          f"= {work_s * 1000:.1f} ms")
    print(f"(the cap counted from the touchpoints instead, what the count saves: {cap_s * 1000:.1f} ms)")
    print(f"join floor: customers joined to their summaries in the spend range, counted = {join_s * 1000:.1f} ms\n")
    print(f"{'filter (e-mail channel)':45} {'best ms':>8} {'counts':>7} {'sample':>7} {'× count':>8} {'× work':>7} "
          f"{'selected':>9}")
    for label, filters in cases:
        result = {}
        aud = segments.audience(filters=filters, channel="email")

        def run(filters=filters, result=result):
            result.update(segments.preview(segments.audience(filters=filters, channel="email")))

        def counts(aud=aud, result=result):
            with segments.roomy_read():
                result["counts"] = aud.counts()

        def sample(aud=aud, result=result):
            with segments.roomy_read():
                aud.sample(selected_count=result["counts"]["selected"])

        seconds = best_of(run)
        counts_s, sample_s = best_of(counts), best_of(sample)
        print(f"{label:45} {seconds * 1000:8.1f} {counts_s * 1000:7.1f} {sample_s * 1000:7.1f} "
              f"{seconds / floor_s:8.1f} {seconds / work_s:7.2f} {result['selected']:9,d}")
        if args.explain:
            aud = segments.audience(filters=filters, channel="email")
            sql, params = aud.selected.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) SELECT COUNT(*) FROM (" + sql + ") s", params)
                print("\n".join(row[0] for row in cursor.fetchall()[:20]))


if __name__ == "__main__":
    main()
