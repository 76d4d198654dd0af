"""Large synthetic company for benchmarks: 1,000,000 customers and 20,000,000 purchase lines over five years.

Reuse it from other benchmarks:

    from bench.datasets import ensure_large_dataset, write_purchase_csv
    info = ensure_large_dataset("postgres://postgres@127.0.0.1:5432/mezame_bench")   # or a Django alias
    # info: {"customers": 1000000, "purchases": 20000000, "first_day": date, "last_day": date, ...}

or from the shell (the database must exist and be migrated first):

    createdb -h 127.0.0.1 -U postgres mezame_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_bench .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.datasets --dsn postgres://postgres@127.0.0.1:5432/mezame_bench
    .venv/bin/python -m bench.datasets --dsn ... --csv /tmp/purchases_1m.csv --lines 1000000

Everything is generated in SQL (generate_series, set-based INSERT … SELECT); idempotent: a marker table
(bench_dataset_state) records finished steps, so a second call returns at once.

Shape of the data (deterministic: setseed and hashes of the customer number):
- customers B0000001…: 80 % companies, 20 % people; product codes BP001…BP200 with fixed unit prices;
- purchase volume is skewed: customer rank k receives lines with probability ∝ roughly 1/sqrt(k), so a
  few thousand heavy buyers and a long tail of occasional ones;
- dormancy patterns by a hash of k: ~60 % buy through the end, ~25 % stop at some point between 20 % and
  90 % of the period (dormant, "churned"), ~15 % start late (new customers);
- orders of three lines: order_ref BO<n>, row_key "o:BO<n>#<line>" (the importer's row-key format);
- dates from LAST_DAY - 5 years to LAST_DAY (2026-10-31); summaries are computed as of `as_of` (default
  the day after LAST_DAY, the data set's "today", as the import of that day's data would have left them) with the
  same SQL as customers.purchases.summary.
"""
import argparse
import datetime as dt
import sys
import time
from contextlib import contextmanager

LAST_DAY = dt.date(2026, 10, 31)
FIRST_DAY = dt.date(2021, 11, 1)
PRODUCTS = 200
STORES = "ARRAY['本店','大阪支店','横浜支店','名古屋支店','福岡支店','通販','法人営業部']"
CHUNK = 2_000_000


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def _cursor(dsn_or_alias):
    """A DB-API cursor on a DSN (psycopg2, autocommit) or on a Django connection alias."""
    if "://" in dsn_or_alias or "=" in dsn_or_alias:
        import psycopg2

        conn = psycopg2.connect(dsn_or_alias)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                yield cursor
        finally:
            conn.close()
    else:
        from django.db import connections

        with connections[dsn_or_alias].cursor() as cursor:
            yield cursor


def _done(cursor, step):
    cursor.execute("SELECT value FROM bench_dataset_state WHERE step = %s", [step])
    row = cursor.fetchone()
    return row[0] if row else None


def _mark(cursor, step, value):
    cursor.execute(
        "INSERT INTO bench_dataset_state (step, value) VALUES (%s, %s) "
        "ON CONFLICT (step) DO UPDATE SET value = EXCLUDED.value",
        [step, str(value)],
    )


def _customers(cursor, count):
    log(f"customers: inserting {count:,}")
    for start in range(1, count + 1, 250_000):
        end = min(start + 249_999, count)
        cursor.execute(
            """
            INSERT INTO customers_customer (
                code, kind, name, name_kana, lifecycle, industry, is_key_account, fiscal_year_end_month, source,
                postal_code, prefecture, address, phone, mobile, fax, email, website,
                has_email_consent, email_consent_method, has_dm_consent, dm_consent_method,
                has_phone_consent, phone_consent_method, company_overview, decision_maker, budget, competitors,
                timing, notes, name_key, kana_key, phone_key, mobile_key, fax_key, email_key, postal_key,
                created_at, updated_at)
            SELECT 'B' || lpad(g::text, 7, '0'),
                   CASE WHEN g %% 5 = 0 THEN 'person' ELSE 'company' END,
                   CASE WHEN g %% 5 = 0 THEN '顧客 ' || g ELSE '株式会社サンプル' || g END, '', 'customer',
                   (ARRAY['建設','製造','小売','飲食','医療','卸売'])[1 + g %% 6], g %% 200 = 0, 1 + g %% 12,
                   'existing', lpad((g %% 10000000)::text, 7, '0'),
                   (ARRAY['東京都','大阪府','神奈川県','愛知県','福岡県','北海道'])[1 + (g * 7) %% 6], '',
                   '03-' || lpad((g %% 10000)::text, 4, '0') || '-' || lpad((g / 10000)::text, 4, '0'), '', '',
                   'c' || g || '@example.jp', '', g %% 3 = 0, '', g %% 2 = 0, '', true, '', '', '', '', '', '', '',
                   CASE WHEN g %% 5 = 0 THEN '顧客' || g ELSE 'サンプル' || g END, '',
                   '03' || lpad((g %% 10000)::text, 4, '0') || lpad((g / 10000)::text, 4, '0'), '', '',
                   'c' || g || '@example.jp', lpad((g %% 10000000)::text, 7, '0'), now(), now()
            FROM generate_series(%s, %s) AS g
            ON CONFLICT (code) DO NOTHING
            """,
            [start, end],
        )
    cursor.execute(
        """
        INSERT INTO customers_product (code, name, category, unit_price, is_active)
        SELECT 'BP' || lpad(p::text, 3, '0'), '商品 ' || p, (ARRAY['建材','食品','設備','消耗品'])[1 + p %% 4],
               100 + (p * 7919) %% 9900, true
        FROM generate_series(1, %s) AS p
        ON CONFLICT (code) DO NOTHING
        """,
        [PRODUCTS],
    )


def _id_base(cursor, table, code, count):
    """Rows were inserted in code order in one go, so ids are contiguous: id = base + n - 1."""
    cursor.execute(f"SELECT id FROM {table} WHERE code = %s", [code])
    base = cursor.fetchone()[0]
    cursor.execute(f"SELECT count(*) FROM {table} WHERE id BETWEEN %s AND %s", [base, base + count - 1])
    if cursor.fetchone()[0] != count:
        raise RuntimeError(f"{table}: ids of the bench rows are not contiguous; use a fresh database")
    return base


PURCHASE_INDEXES_SQL = """
    SELECT indexname, indexdef FROM pg_indexes
    WHERE tablename = 'customers_purchase' AND indexname NOT IN ('customers_purchase_pkey', 'purchase_row_key_uniq')
"""


def _purchases(cursor, customers, purchases):
    customer_base = _id_base(cursor, "customers_customer", "B0000001", customers)
    product_base = _id_base(cursor, "customers_product", "BP001", PRODUCTS)
    span = (LAST_DAY - FIRST_DAY).days
    # Bulk loading: build the indexes once at the end instead of maintaining them row by row.
    cursor.execute(PURCHASE_INDEXES_SQL)
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    cursor.execute("ALTER TABLE customers_purchase DROP CONSTRAINT IF EXISTS purchase_row_key_uniq")
    cursor.execute("SET session_replication_role = replica")  # skip per-row FK triggers: ids are known good
    cursor.execute("SELECT setseed(0.42)")
    for start in range(1, purchases + 1, CHUNK):
        end = min(start + CHUNK - 1, purchases)
        t0 = time.monotonic()
        cursor.execute(
            f"""
            INSERT INTO customers_purchase (customer_id, purchased_on, product_id, quantity, amount, store,
                                            order_ref, coupon_code, row_key, created_at)
            SELECT %(cbase)s + k - 1,
                   %(first)s::date + LEAST(%(span)s, floor((s + random() * (e - s)) * %(span)s)::int),
                   %(pbase)s + p - 1, q, (100 + (p * 7919) %% 9900) * q,
                   ({STORES})[1 + (k %% 7)],
                   'BO' || (g / 3), CASE WHEN g %% 50 = 0 THEN 'CP' || (g %% 7) ELSE '' END,
                   'o:BO' || (g / 3) || '#' || (g %% 3 + 1), now()
            FROM (
                SELECT g, k, p, q,
                       CASE WHEN h < 850 THEN 0.0 ELSE 0.3 + (h - 850) / 250.0 END AS s,
                       CASE WHEN h BETWEEN 600 AND 849 THEN 0.2 + (h - 600) / 357.0 ELSE 1.0 END AS e
                FROM (
                    SELECT g, k, (k::bigint * 2654435761 %% 1000) AS h,
                           1 + floor(%(products)s * power(random(), 3))::int AS p,
                           1 + floor(random() * random() * 20)::int AS q
                    FROM (
                        SELECT g, 1 + floor(%(customers)s * power(random(), 2))::int AS k
                        FROM generate_series(%(start)s, %(end)s) AS g
                    ) AS drawn
                ) AS shaped
            ) AS t
            """,
            {"cbase": customer_base, "pbase": product_base, "first": FIRST_DAY, "span": span,
             "products": PRODUCTS, "customers": customers, "start": start, "end": end},
        )
        log(f"purchases: {end:,} / {purchases:,} ({time.monotonic() - t0:.0f} s for this chunk)")
    cursor.execute("SET session_replication_role = DEFAULT")
    cursor.execute("SET maintenance_work_mem = '1GB'")
    log("purchases: building indexes")
    cursor.execute("ALTER TABLE customers_purchase ADD CONSTRAINT purchase_row_key_uniq UNIQUE (row_key)")
    for name, definition in indexes:
        log(f"purchases: {name}")
        cursor.execute(definition)


def ensure_large_dataset(dsn_or_alias, customers=1_000_000, purchases=20_000_000, as_of=None):
    """Create (once) the large company in the given PostgreSQL database; returns a dict describing it."""
    from customers.purchases.summary import refresh_summaries_where

    as_of = as_of or LAST_DAY + dt.timedelta(days=1)
    with _cursor(dsn_or_alias) as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dataset_state (step text PRIMARY KEY, value text)")
        if _done(cursor, "customers") != str(customers):
            _customers(cursor, customers)
            _mark(cursor, "customers", customers)
        if _done(cursor, "purchases") != str(purchases):
            cursor.execute("DELETE FROM customers_customerpurchasesummary")
            cursor.execute("DELETE FROM customers_purchase WHERE row_key LIKE 'o:BO%%'")
            _purchases(cursor, customers, purchases)
            _mark(cursor, "purchases", purchases)
            cursor.execute("DELETE FROM bench_dataset_state WHERE step = 'summaries'")
        if _done(cursor, "summaries") != as_of.isoformat():
            log(f"summaries as of {as_of}")
            cursor.execute("SET work_mem = '256MB'")
            refresh_summaries_where(cursor, as_of=as_of, vendor="postgresql")
            _mark(cursor, "summaries", as_of.isoformat())
            log("analyze")
            cursor.execute("ANALYZE customers_customer, customers_purchase, customers_customerpurchasesummary")
        summaries_as_of = _done(cursor, "summaries")
    return {"customers": customers, "purchases": purchases, "first_day": FIRST_DAY, "last_day": LAST_DAY,
            "summaries_as_of": summaries_as_of, "customer_codes": "B0000001…", "product_codes": "BP001…BP200"}


def write_purchase_csv(dsn_or_alias, path, lines=1_000_000, customers=1_000_000, first=None, last=None):
    """Write an import file of `lines` new purchase lines (after the data set's last day) for existing
    customers, with the date and amount spellings real exports mix. UTF-8, importer's column names."""
    first = first or LAST_DAY + dt.timedelta(days=1)
    last = last or min(LAST_DAY + dt.timedelta(days=20), dt.date.today() - dt.timedelta(days=1))
    span = max((last - first).days, 0)
    query = f"""
        COPY (
            SELECT 'B' || lpad(k::text, 7, '0') AS customer_code,
                   CASE WHEN g % 10 = 0 THEN to_char(d, 'YYYY/FMMM/FMDD')
                        WHEN g % 10 = 1 THEN to_char(d, 'YYYYMMDD') ELSE to_char(d, 'YYYY-MM-DD') END AS purchased_on,
                   'BP' || lpad(p::text, 3, '0') AS product_code, q AS quantity,
                   CASE WHEN g % 5 = 0 THEN to_char((100 + (p * 7919) % 9900) * q, 'FM999,999,999')
                        ELSE ((100 + (p * 7919) % 9900) * q)::text END AS amount,
                   ({STORES})[1 + (k % 7)] AS store, 'NO' || (g / 3) AS order_ref,
                   CASE WHEN g % 50 = 0 THEN 'CP' || (g % 7) ELSE '' END AS coupon_code
            FROM (
                SELECT g, 1 + floor({int(customers)} * power(random(), 2))::int AS k,
                       1 + floor({PRODUCTS} * power(random(), 3))::int AS p,
                       1 + floor(random() * random() * 20)::int AS q,
                       DATE '{first.isoformat()}' + floor(random() * {span + 1})::int AS d
                FROM generate_series(1, {int(lines)}) AS g
            ) AS t ORDER BY g
        ) TO STDOUT WITH (FORMAT csv, HEADER true)
    """
    with _cursor(dsn_or_alias) as cursor, open(path, "w", encoding="utf-8", newline="") as out:
        cursor.execute("SELECT setseed(0.7)")
        cursor.copy_expert(query, out)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432/mezame_bench")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=int, default=20_000_000)
    parser.add_argument("--csv", help="also write an import file of --lines purchase lines to this path")
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    info = ensure_large_dataset(args.dsn, customers=args.customers, purchases=args.purchases)
    log(f"data set ready in {time.monotonic() - t0:.0f} s: {info}")
    if args.csv:
        write_purchase_csv(args.dsn, args.csv, lines=args.lines, customers=args.customers)
        log(f"wrote {args.lines:,} lines to {args.csv}")


if __name__ == "__main__":
    main()
