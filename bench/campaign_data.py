"""Data for the campaign benchmarks (bench_segments, bench_sequences): 1,000,000 customers with a dormancy verdict
(bench.bench_dormant_list.fill: 500 reps, 25 % dormant, 7 % at risk …), a purchase summary, a few purchases each
and a contact history to make the frequency cap's subquery work; all in SQL, idempotent (markers in
bench_dataset_state).

Shapes: purchases — 3 lines per customer over the two years before AS_OF on products BP001…BP200 (3,000,000
lines); summaries — the figures those lines give; touchpoints — 2,000,000 over the last 200 days on the e-mail,
letter and phone channels (a customer in ten has reached the 30-day e-mail cap).
"""
import sys
import time

AS_OF = "2026-11-27"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _done(cursor, step):
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_dataset_state (step text PRIMARY KEY, value text)")
    cursor.execute("SELECT value FROM bench_dataset_state WHERE step = %s", [step])
    return cursor.fetchone() is not None


def _mark(cursor, step):
    cursor.execute("INSERT INTO bench_dataset_state (step, value) VALUES (%s, 'done') ON CONFLICT DO NOTHING", [step])


def fill(customers):
    from django.db import connection

    from bench.bench_dormant_list import fill as fill_customers_and_verdicts

    fill_customers_and_verdicts(customers)
    with connection.cursor() as cursor:
        if not _done(cursor, "campaign_purchases"):
            log("purchases: 3 per customer")
            cursor.execute("SELECT MIN(id) FROM customers_product WHERE code LIKE 'BP%%'")
            product_base = cursor.fetchone()[0]
            cursor.execute(
                """
                INSERT INTO customers_purchase (customer_id, purchased_on, product_id, quantity, amount, store,
                    order_ref, coupon_code, row_key, created_at)
                SELECT c.id, %(as_of)s::date - ((c.id * 31 + k * 97) %% 730)::int, %(base)s + (c.id + k) %% 200, 1,
                       1000 + (c.id * k) %% 20000, '', '', '', 'sb:' || c.id || ':' || k, now()
                FROM customers_customer c CROSS JOIN generate_series(1, 3) k WHERE c.code LIKE 'B%%'
                """, {"as_of": AS_OF, "base": product_base})
            _mark(cursor, "campaign_purchases")
        if not _done(cursor, "campaign_summaries"):
            log("purchase summaries")
            cursor.execute("DELETE FROM customers_customerpurchasesummary")
            cursor.execute(
                """
                INSERT INTO customers_customerpurchasesummary (customer_id, first_purchase_on, last_purchase_on,
                    purchase_days, total_amount, amount_last_12m, amount_prev_12m, median_interval_days, as_of,
                    updated_at)
                SELECT customer_id, MIN(purchased_on), MAX(purchased_on), COUNT(DISTINCT purchased_on), SUM(amount),
                       SUM(CASE WHEN purchased_on > %(as_of)s::date - 365 THEN amount ELSE 0 END),
                       SUM(CASE WHEN purchased_on <= %(as_of)s::date - 365 THEN amount ELSE 0 END), NULL,
                       %(as_of)s::date, now()
                FROM customers_purchase GROUP BY customer_id
                """, {"as_of": AS_OF})
            _mark(cursor, "campaign_summaries")
        if not _done(cursor, "campaign_touchpoints"):
            log("touchpoints: 2,000,000")
            # Each written when it happened (created_at = occurred_at): the cap's count (campaigns.caps) checks the
            # ones written since it one customer at a time; today's are those.
            cursor.execute(
                """
                INSERT INTO customers_touchpoint (customer_id, occurred_at, department, channel, summary, created_at)
                SELECT c.id, now() - ((c.id * 13 + k * 7) %% %s) * interval '1 day', 'sales',
                       (ARRAY['email', 'letter', 'phone'])[1 + (c.id + k) %% 3], 'bench',
                       now() - ((c.id * 13 + k * 7) %% %s) * interval '1 day'
                FROM customers_customer c CROSS JOIN generate_series(1, 2) k WHERE c.code LIKE 'B%%'
                """, [200, 200])
            # A customer in ten: two more e-mails within 30 days (the default cap).
            cursor.execute(
                """
                INSERT INTO customers_touchpoint (customer_id, occurred_at, department, channel, summary, created_at)
                SELECT c.id, now() - (k * 5) * interval '1 day', 'sales', 'email', 'bench',
                       now() - (k * 5) * interval '1 day'
                FROM customers_customer c CROSS JOIN generate_series(1, 2) k WHERE c.code LIKE 'B%%' AND c.id %% %s = 0
                """, [10])
            _mark(cursor, "campaign_touchpoints")
            # What autovacuum does in production: the visibility map lets the cap read the touchpoint index alone.
            cursor.execute("VACUUM customers_touchpoint")
        cursor.execute("ANALYZE")
