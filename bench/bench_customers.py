"""Benchmark of the customer list, search box and phone look-up on 1,000,000 customers (PostgreSQL).

    .venv/bin/python bench/bench_customers.py [--customers 1000000] [--runs 300] [--rebuild]

Creates (or reuses) the database `mezame_bench_customers` on the local PostgreSQL (BENCH_DATABASE_URL to
change it), migrates it, fills it with set-based SQL (generate_series, no ORM per row), then runs the
queries exactly as the views do — the same selectors, filter set and paginator — with varied inputs, and
prints p50/p95 per query family plus EXPLAIN of representative queries so index use can be checked.
Targets: list+filter and search p95 < 150 ms, phone look-up p95 < 50 ms.
Data made before the segment columns were drawn independently (rep, status, key account, month and source
moving in lock-step) is reused as it is: pass --rebuild once to replace it.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mezame_bench_customers")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.pop("REDIS_URL", None)

SURNAMES = [("山田", "ヤマダ"), ("鈴木", "スズキ"), ("佐藤", "サトウ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
            ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
            ("吉田", "ヨシダ"), ("山本", "ヤマモト"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"),
            ("林", "ハヤシ"), ("清水", "シミズ"), ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"),
            ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"), ("前田", "マエダ"), ("藤田", "フジタ"),
            ("小川", "オガワ"), ("岡田", "オカダ"), ("後藤", "ゴトウ"), ("長谷川", "ハセガワ"), ("村上", "ムラカミ"),
            ("北斗", "ホクト"), ("丸一", "マルイチ"), ("ミナト", "ミナト"), ("グリーン", "グリーン"), ("ブルー", "ブルー"),
            ("東洋", "トウヨウ"), ("日本", "ニホン"), ("大和", "ヤマト"), ("富士", "フジ"), ("中央", "チュウオウ")]
MIDDLES = [("", ""), ("第一", "ダイイチ"), ("北", "キタ"), ("南", "ミナミ"), ("東", "ヒガシ"), ("西", "ニシ"), ("新", "シン"),
           ("光", "ヒカリ"), ("朝日", "アサヒ"), ("太陽", "タイヨウ"), ("星", "ホシ"), ("昭和", "ショウワ"), ("平成", "ヘイセイ"),
           ("大", "ダイ"), ("三協", "サンキョウ"), ("共栄", "キョウエイ"), ("協和", "キョウワ"), ("信和", "シンワ"),
           ("丸", "マル"), ("山", "ヤマ")]
INDUSTRIES = [("建材", "ケンザイ"), ("工務店", "コウムテン"), ("水産", "スイサン"), ("精機", "セイキ"), ("物流", "ブツリュウ"),
              ("商店", "ショウテン"), ("食品", "ショクヒン"), ("電機", "デンキ"), ("印刷", "インサツ"), ("運輸", "ウンユ"),
              ("製作所", "セイサクショ"), ("工業", "コウギョウ"), ("商事", "ショウジ"), ("産業", "サンギョウ"), ("設備", "セツビ"),
              ("不動産", "フドウサン"), ("薬局", "ヤッキョク"), ("歯科", "シカ"), ("自動車", "ジドウシャ"), ("農園", "ノウエン"),
              ("石油", "セキユ"), ("化学", "カガク"), ("繊維", "センイ"), ("木材", "モクザイ"), ("鉄工", "テッコウ")]
LEGAL = ["株式会社", "", "有限会社", "", "合同会社", ""]  # prefix forms; name_key drops them
AREA_CODES = ["03", "06", "045", "052", "011", "092", "022", "078", "075", "048"]
REPS = 40
# Independent pseudo-random columns (one hash seed each): values derived from g modulo small numbers made
# rep, dormancy status, key account, fiscal month and source move in lock-step, so "rep + dormant" was
# always all or nothing and "key account + customer" never matched — patterns no real customer base has.
# Key accounts are drawn from customers only (~2 % of all rows), as a sales team designates them.
HASHED = ", ".join(
    f"(hashint8extended(g, {seed}) & 2147483647) AS {name}"
    for seed, name in enumerate(["rep", "key_account", "fiscal", "source"], start=1)
)


def sql_array(values):
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def ensure_database():
    import psycopg2
    from psycopg2 import sql

    name = BENCH_URL.rsplit("/", 1)[1]
    admin = psycopg2.connect(BENCH_URL.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    admin.close()


def fill(count, rebuild):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from crm.roles import Role
    from customers import normalize

    User = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        existing = cursor.fetchone()[0]
    if existing >= count and not rebuild:
        print(f"reusing {existing:,} customers")
        return
    started = time.perf_counter()
    for i in range(REPS):
        User.objects.get_or_create(username=f"bench_rep{i}", defaults={"role": Role.SALES_REP, "display_name": f"営業{i}"})
    rep_ids = list(User.objects.filter(username__startswith="bench_rep").order_by("pk").values_list("pk", flat=True))
    # Arrays in SQL; name_key/kana_key computed here with the app's normalizer for every combination, so the
    # stored keys are exactly what Customer.save() would have written.
    surnames, middles, industries = SURNAMES, MIDDLES, INDUSTRIES
    combos_name, combos_key, combos_kana = [], [], []
    for s, sk in surnames:
        for m, mk in middles:
            for d, dk in industries:
                combos_name.append(s + m + d)
                combos_key.append(normalize.name_key(s + m + d))
                combos_kana.append(sk + mk + dk)
    n_combos = len(combos_name)
    prefectures = normalize.PREFECTURES
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE customers_customer, customers_contact, crm_customerdormancy RESTART IDENTITY CASCADE")
        cursor.execute("TRUNCATE customers_historicalcustomer, customers_historicalcontact")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(f"""
            CREATE TEMP TABLE combos AS
            SELECT ord - 1 AS idx, n AS name, k AS name_key, kana
            FROM unnest({sql_array(combos_name)}, {sql_array(combos_key)}, {sql_array(combos_kana)})
                 WITH ORDINALITY AS t(n, k, kana, ord)
        """)
        cursor.execute("CREATE UNIQUE INDEX ON combos (idx)")
        cursor.execute(f"""
            INSERT INTO customers_customer (
                code, kind, name, name_kana, lifecycle, industry, is_key_account, assigned_rep_id,
                fiscal_year_end_month, source, postal_code, prefecture, address, phone, mobile, fax, email, website,
                has_email_consent, email_consent_method, has_dm_consent, dm_consent_method,
                has_phone_consent, phone_consent_method, company_overview, decision_maker, budget, competitors,
                timing, notes, name_key, kana_key, phone_key, mobile_key, fax_key, email_key, postal_key,
                created_at, updated_at)
            SELECT
                'C' || lpad(g::text, 7, '0'),
                CASE WHEN g % 5 = 0 THEN 'person' ELSE 'company' END,
                ({sql_array(LEGAL)})[1 + g % {len(LEGAL)}] || c.name,
                c.kana,
                lc.lifecycle,
                '', lc.lifecycle = 'customer' AND h.key_account % 35 = 0,
                ({ "ARRAY[" + ",".join(map(str, rep_ids)) + "]::bigint[]" })[1 + h.rep % {len(rep_ids)}],
                1 + h.fiscal % 12,
                ({sql_array(["existing", "exhibition", "seminar", "web_inquiry", "business_card", "referral", "member_card", "other"])})[1 + h.source % 8],
                substr(p.postal, 1, 3) || '-' || substr(p.postal, 4, 4),
                ({sql_array(prefectures)})[1 + (g * 31) % 47],
                '中央区' || (1 + g % 9) || '-' || (1 + g % 30),
                a.area || '-' || substr(a.local, 1, length(a.local) - 4) || '-' || right(a.local, 4),
                CASE WHEN g % 3 = 0 THEN '090-' || substr(m.mob, 1, 4) || '-' || substr(m.mob, 5, 4) ELSE '' END,
                '',
                'info' || g || '@example.jp', '',
                g % 3 = 0, '', g % 4 = 0, '', g % 5 = 0, '', '', '', '', '', '', '',
                c.name_key, c.kana,
                a.area || a.local,
                CASE WHEN g % 3 = 0 THEN '090' || m.mob ELSE '' END,
                '', 'info' || g || '@example.jp', p.postal,
                now() - (g % 3650) * interval '1 day', now() - (g % 365) * interval '1 day'
            FROM generate_series(1, {int(count)}) AS g
            JOIN combos c ON c.idx = (g::bigint * 7919) % {n_combos}
            CROSS JOIN LATERAL (SELECT {HASHED}) h
            CROSS JOIN LATERAL (SELECT CASE WHEN g % 10 < 2 THEN 'prospect' WHEN g % 10 < 9 THEN 'customer'
                                            ELSE 'retired' END AS lifecycle) lc
            CROSS JOIN LATERAL (SELECT lpad(((g::bigint * 2654435761) % 10000000)::text, 7, '0') AS postal) p
            CROSS JOIN LATERAL (SELECT ({sql_array(AREA_CODES)})[1 + g % {len(AREA_CODES)}] AS area) a0
            CROSS JOIN LATERAL (SELECT a0.area,
                                       lpad(((g::bigint * 48271) % (CASE WHEN length(a0.area) = 2 THEN 100000000 ELSE 10000000 END))::text,
                                            CASE WHEN length(a0.area) = 2 THEN 8 ELSE 7 END, '0') AS local) a
            CROSS JOIN LATERAL (SELECT lpad(((g::bigint * 69621) % 100000000)::text, 8, '0') AS mob) m
        """)  # no parameters: '%' here is SQL's modulo, and count is an int
        # A contact for every fifth customer, with its own mobile number (found by the phone look-up too).
        cursor.execute("""
            INSERT INTO customers_contact (customer_id, name, name_kana, department, title, phone, mobile, email,
                                           is_decision_maker, is_active, notes, phone_key, mobile_key, email_key)
            SELECT id, '担当 ' || id, '', '営業部', '', '', '080-' || substr(k, 1, 4) || '-' || substr(k, 5, 4), '',
                   id % 2 = 0, true, '', '', '080' || k, ''
            FROM (SELECT id, lpad(((id * 40503) % 100000000)::text, 8, '0') AS k
                  FROM customers_customer WHERE id % 5 = 0) s
        """)
        # Dormancy verdicts for three customers in four, so the status filter has real work to do.
        cursor.execute("""
            INSERT INTO crm_customerdormancy (customer_id, status, rule, reason, days_since_last_purchase, priority_score,
                                              is_excluded, exclusion_reason, as_of)
            SELECT id, (ARRAY['active','at_risk','dormant','lost'])[1 + (hashint8extended(id, 5) & 65535) % 4], 'interval', '', (id % 900)::int,
                   ((id * 37) % 1000) / 1000.0, false, '', current_date
            FROM customers_customer WHERE id % 4 <> 0
        """)
    # Analyzed and vacuumed as a live table would be after autovacuum: planner statistics, hint bits set
    # (or the first reads of every page write it back) and the visibility map for index-only scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) customers_customer, customers_contact, crm_customerdormancy")
    print(f"filled {count:,} customers in {time.perf_counter() - started:.0f} s")


def percentiles(samples):
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def run_list(params):
    """What views.customers.customer_list does: filter set, capped paginator, one page."""
    from django.http import QueryDict

    from crm.pagination import CappedPaginator
    from customers import selectors
    from customers.filters import CustomerFilter
    from customers.views.customers import PAGE_SIZE

    customer_filter = CustomerFilter(QueryDict(params), queryset=selectors.customer_list())
    paginator = CappedPaginator(customer_filter.qs, PAGE_SIZE)
    page = paginator.get_page(QueryDict(params).get("page"))
    rows = list(page.object_list)
    return rows, paginator.count


def sample_inputs(rng, count):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from customers import normalize

    with connection.cursor() as cursor:
        cursor.execute("SELECT code, name, name_kana, phone, mobile FROM customers_customer TABLESAMPLE SYSTEM (0.1) LIMIT 500")
        samples = cursor.fetchall()
        cursor.execute("SELECT mobile FROM customers_contact TABLESAMPLE SYSTEM (0.5) LIMIT 100")
        contact_phones = [r[0] for r in cursor.fetchall()]
    rep_ids = list(get_user_model().objects.filter(username__startswith="bench_rep").values_list("pk", flat=True))
    to_wide = str.maketrans("0123456789-", "０１２３４５６７８９－")
    prefectures = normalize.PREFECTURES
    lists, searches, phones = [], [], []
    for _ in range(count):
        code, name, kana, phone, mobile = rng.choice(samples)
        pref = rng.choice(prefectures)
        lists.append(rng.choice([
            "lifecycle=customer",
            f"prefecture={pref}",
            f"prefecture={pref}&lifecycle=customer&page={rng.randint(1, 5)}",
            f"rep={rng.choice(rep_ids)}",
            f"rep={rng.choice(rep_ids)}&status=dormant",
            f"status=dormant&prefecture={pref}",
            f"fiscal_month={rng.randint(1, 12)}&source=exhibition",
            "key_account=on&lifecycle=customer",
            f"consent=email&prefecture={pref}",
            f"prefecture={pref}&sort=kana",
            f"rep={rng.choice(rep_ids)}&sort=-updated",
            f"lifecycle=prospect&page={rng.randint(1, 40)}",
            # Selective combinations (tens to a few hundred rows) and a search narrowed by a filter.
            f"rep={rng.choice(rep_ids)}&key_account=on&status=dormant",
            f"prefecture={pref}&fiscal_month={rng.randint(1, 12)}&source=referral",
            "key_account=on&lifecycle=prospect",
            f"rep={rng.choice(rep_ids)}&prefecture={pref}&status=lost",
            urlencode({"q": normalize.name_key(name)[:2], "prefecture": pref}),
            urlencode({"q": kana[:3], "rep": rng.choice(rep_ids), "lifecycle": "customer"}),
        ]))
        core = normalize.name_key(name)
        digits = normalize.phone_key(phone)
        searches.append(rng.choice([
            core, core[:2], core[: rng.randint(3, max(3, len(core)))], kana[: rng.randint(3, len(kana))], kana[:2],
            phone.translate(to_wide), digits, digits[:6], code, code.lower(), name,
            f"{core} {rng.choice(['株式会社', '(株)', '㈱'])}", jaconv_hira(kana[:4]),
        ]))
        phones.append(rng.choice([
            phone, phone.translate(to_wide), digits, f"({digits[:3]}){digits[3:]}", mobile or phone,
            rng.choice(contact_phones), "0" + str(rng.randint(100000000, 999999999)),
        ]))
    return lists, searches, phones


def jaconv_hira(text):
    import jaconv

    return jaconv.kata2hira(text)


def measure(label, inputs, call):
    from django.db import reset_queries

    timings = []
    for value in inputs:
        started = time.perf_counter()
        call(value)
        timings.append((time.perf_counter() - started) * 1000)
        reset_queries()
    p50, p95 = percentiles(timings)
    print(f"{label:<22} n={len(timings):<4} p50={p50:7.1f} ms  p95={p95:7.1f} ms  max={max(timings):7.1f} ms")
    return p50, p95


def explain(label, queryset):
    plan = queryset.explain(analyze=True)
    used = sorted({word.strip(",") for line in plan.splitlines() for word in line.split() if word.endswith(("_idx", "_trgm", "_prefix", "_pkey", "_uniq", "_key"))})
    print(f"\n-- EXPLAIN {label}: indexes {', '.join(used) or 'none'}")
    print("\n".join("   " + line for line in plan.splitlines()[:14]))
    if "Seq Scan on customers_customer " in plan:
        print("   !! sequential scan of customers_customer")


def explain_list(params):
    from django.http import QueryDict

    from crm.pagination import CappedPaginator
    from customers import selectors
    from customers.filters import CustomerFilter

    queryset = CustomerFilter(QueryDict(params), queryset=selectors.customer_list()).qs
    paginator = CappedPaginator(queryset, 25)
    explain(f"{params} count", queryset.order_by().values_list("pk", flat=True)[: paginator.cap + 1])
    page = paginator.page(1)
    path = "walks the sort index" if paginator.is_capped else f"reads {paginator.count} counted keys"
    explain(f"{params} page ({path})", page.object_list)


def lists_rep(lists):
    return next(p.split("=")[1].split("&")[0] for p in lists if p.startswith("rep="))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from customers import selectors
    from customers.models import Customer

    call_command("migrate", verbosity=0)
    fill(args.customers, args.rebuild)
    rng = random.Random(args.seed)
    lists, searches, phones = sample_inputs(rng, args.runs)
    # Warm-up so the first timings do not measure a cold cache.
    for value in lists[:20]:
        run_list(value)
    print(f"\n{Customer.objects.count():,} customers; {args.runs} runs per family")
    results = {
        "list+filter": measure("list + filter", lists, run_list),
        "search": measure("search box", searches, lambda q: run_list(urlencode({"q": q}))),
        "phone": measure("phone look-up", phones, selectors.customers_for_phone),
    }
    # The list's two queries as the paginator runs them: the capped key collection, then the page.
    for params in ["q=山田建材", "q=ヤマ", "q=０３－１２３４", "prefecture=東京都&lifecycle=customer",
                   "key_account=on&lifecycle=prospect", f"rep={lists_rep(lists)}&status=dormant"]:  # fmt: skip
        explain_list(params)
    explain("phone exact", Customer.objects.filter(selectors._phone_condition("0312345678", prefix=False)))
    targets = {"list+filter": 150, "search": 150, "phone": 50}
    print()
    ok = True
    for name, (_p50, p95) in results.items():
        passed = p95 < targets[name]
        ok &= passed
        print(f"{name:<12} p95 {p95:6.1f} ms  target < {targets[name]} ms  {'OK' if passed else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
