"""Benchmark: the check of customer files of 50,000, 100,000 and 200,000 rows through the web import's own service
(customer_batch_validate, what the Celery task runs: read the stored file, check every row, keep the rows in
CustomerImportRow, find possible duplicates in the file and among the customers already there), next to a plain
COPY of the same file into an unindexed table, measured in the same run. Linear means the time per row stays
flat as the file doubles.

    .venv/bin/python -m bench.bench_customer_import [--dsn postgres://postgres@127.0.0.1:5432/mezame_bench]
                                                    [--rows 50000,100000,200000] [--existing 200000] [--import]

The database must exist; it is migrated first. It gets --existing customers (codes K0000001…, made once by
set-based SQL) whose names, phones and e-mail addresses overlap the files': a quarter of each file's rows are
existing codes (updates), about 2 % of the others share a name, phone or e-mail with a customer or an earlier
row (the warnings the check must find). The files are CSV in cp932 as Excel writes them, generated once into
the temp directory (deterministic). Each size runs in a fresh process, so its peak memory (RSS) is its own;
--import also times the import of the checked rows (one transaction, rolled back). Each size's batch and rows
are deleted afterwards.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DSN = "postgres://postgres@127.0.0.1:5432/mezame_bench"
HEADER = ["code", "name", "name_kana", "phone", "email", "postal_code", "address", "kind", "status", "fiscal_month",
          "rep", "source"]  # fmt: skip
SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木",
            "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "北斗", "丸一", "東洋", "大和", "富士"]  # fmt: skip
TRADES = ["建材", "工務店", "設備", "リフォーム", "不動産", "塗装", "電気", "管工事", "興業", "商事", "産業", "建設"]
FORMS = ["株式会社{}", "{}株式会社", "有限会社{}", "(株){}", "{}"]
ADDRESSES = ["東京都千代田区丸の内", "神奈川県横浜市西区高島", "埼玉県さいたま市大宮区桜木町", "千葉県千葉市中央区",
             "横浜市港北区新横浜", "東京都江東区豊洲"]  # fmt: skip
AREAS = [("03", 4, 4), ("06", 4, 4), ("045", 3, 4), ("048", 3, 4), ("090", 4, 4), ("080", 4, 4), ("0467", 2, 4)]


def _log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _company(n):
    """The name, phone and e-mail of customer number n (the same for the database and the files)."""
    rnd = random.Random(n)
    area, first, second = rnd.choice(AREAS)
    phone = f"{area}-{rnd.randint(2 * 10 ** (first - 1), 10**first - 1)}-{rnd.randint(0, 10**second - 1):0{second}d}"
    base = f"{rnd.choice(SURNAMES)}{rnd.choice(TRADES)}{n}"
    return rnd.choice(FORMS).format(base), phone, f"info{n}@k{n % 997}.example.jp"


def write_customer_csv(path, rows, existing):
    """Rows K…: a quarter are codes of existing customers (spread over them), the rest new codes N…; about 2 % of
    the new ones share a name, phone or e-mail with an existing customer or an earlier row of the file."""
    rnd = random.Random(rows)
    with path.open("w", encoding="cp932", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            if i % 4 == 0:
                n = 1 + (i * 7919) % existing
                code = f"K{n:07d}"
                name, phone, email = _company(n)
                phone = phone if i % 8 else phone.replace("-", "")  # some updates change the spelling only
            else:
                code = f"N{i:07d}"
                name, phone, email = _company(existing + i)
                roll = rnd.random()
                if roll < 0.007:
                    name = _company(1 + rnd.randrange(existing))[0]
                elif roll < 0.014:
                    phone = _company(1 + rnd.randrange(existing))[1]
                elif roll < 0.02 and i > 10:
                    email = _company(existing + rnd.randrange(1, i))[2]  # an earlier row of the file
                if rnd.random() < 0.3:
                    email = ""
            writer.writerow([
                code, name, "", phone, email, f"{rnd.randint(100, 999)}-{rnd.randint(0, 9999):04d}",
                f"{rnd.choice(ADDRESSES)}{rnd.randint(1, 9)}-{rnd.randint(1, 30)}", rnd.choice(["法人", "法人", "個人"]),
                rnd.choice(["顧客", "見込み", ""]), str(rnd.randint(1, 12)), rnd.choice(["佐藤", "高橋", "", "伊藤"]),
                rnd.choice(["既存", "名刺", "展示会", ""]),
            ])  # fmt: skip


def ensure_existing_customers(count):
    """count customers K0000001… with the keys the files overlap (set-based: one INSERT … SELECT per chunk)."""
    from django.db import connection

    from customers import normalize

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer WHERE code LIKE 'K%%'")
        have = cursor.fetchone()[0]
        if have >= count:
            return
        _log(f"existing customers: inserting {count - have:,}")
        for start in range(have + 1, count + 1, 50_000):
            rows = []
            for n in range(start, min(start + 50_000, count + 1)):
                name, phone, email = _company(n)
                rows.append((f"K{n:07d}", name, phone, email, normalize.name_key(name), normalize.phone_key(phone),
                             normalize.email_key(email)))  # fmt: skip
            cursor.execute("CREATE TEMP TABLE bench_k (code text, name text, phone text, email text, name_key text, "
                           "phone_key text, email_key text)")  # fmt: skip
            buffer = "".join("\t".join(row) + "\n" for row in rows)
            import io

            cursor.copy_expert("COPY bench_k FROM STDIN", io.StringIO(buffer))
            cursor.execute(
                """
                INSERT INTO customers_customer (
                    code, kind, name, name_kana, lifecycle, industry, is_key_account, source, postal_code, prefecture,
                    address, phone, mobile, fax, email, website, has_email_consent, email_consent_method,
                    has_dm_consent, dm_consent_method, has_phone_consent, phone_consent_method, company_overview,
                    decision_maker, budget, competitors, timing, notes, name_key, kana_key, phone_key, mobile_key,
                    fax_key, email_key, postal_key, created_at, updated_at)
                SELECT code, 'company', name, '', 'customer', '', false, 'existing', '', '', '', phone, '', '', email,
                       '', false, '', false, '', false, '', '', '', '', '', '', '', name_key, '', phone_key, '', '',
                       email_key, '', now(), now()
                FROM bench_k ON CONFLICT (code) DO NOTHING
                """
            )
            cursor.execute("DROP TABLE bench_k")
        cursor.execute("ANALYZE customers_customer")


def _copy_floor(path):
    """Seconds for PostgreSQL to COPY the same file into an unindexed table of twelve text columns."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_customer_copy")
        cursor.execute(f"CREATE TABLE bench_customer_copy ({', '.join(f'{c} text' for c in HEADER)})")
        started = time.monotonic()
        with path.open("r", encoding="cp932") as handle:
            cursor.copy_expert("COPY bench_customer_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        seconds = time.monotonic() - started
        cursor.execute("DROP TABLE bench_customer_copy")
    return seconds


def run_one(rows, existing, path, with_import):
    """One size in this process: returns the figures as a dict."""
    import resource

    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.db import transaction

    from crm.roles import Role
    from customers.customer_import import commit_batch_rows, customer_batch_validate
    from customers.models import ImportBatch

    user, _created = get_user_model().objects.get_or_create(
        username="bench-maintainer", defaults={"role": Role.LIST_MAINTAINER, "display_name": "ベンチ"})
    copy_seconds = _copy_floor(path)
    with path.open("rb") as handle:
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.CUSTOMERS, file=File(handle, name=path.name),
                                           original_name=path.name, uploaded_by=user)  # fmt: skip
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.monotonic(), time.process_time()
    customer_batch_validate(batch_id=batch.pk)
    check_seconds, check_cpu = time.monotonic() - started, time.process_time() - cpu_started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batch.refresh_from_db()
    figures = {
        "rows": rows, "state": batch.state, "message": batch.message, "total_rows": batch.total_rows,
        "valid_rows": batch.valid_rows, "errors": batch.error_count,
        "warnings": batch.options.get("warning_count", 0),
        "duplicate_warnings": sum(1 for w in batch.options.get("warnings", []) if w["column"] == "code"),
        "check_seconds": check_seconds, "check_cpu_seconds": check_cpu, "copy_seconds": copy_seconds,
        "rss_before_mb": rss_before / 1024, "rss_peak_mb": rss_peak / 1024,
        "file_mb": path.stat().st_size / 1e6,
    }  # fmt: skip
    if with_import and batch.state == ImportBatch.State.VALIDATED:
        started = time.monotonic()
        try:
            with transaction.atomic():
                result = commit_batch_rows(batch, by=user, reason="bench")
                figures["import_seconds"] = time.monotonic() - started
                figures["created"], figures["updated"] = result.created, result.updated
                raise _RollBack
        except _RollBack:
            pass
    batch.file.delete(save=False)
    batch.delete()
    return figures


class _RollBack(Exception):
    """Leaves the customers as they were after a timed import."""


def _setup(dsn):
    os.environ["DATABASE_URL"] = dsn
    os.environ.pop("REDIS_URL", None)  # the check runs here, in this process, as a worker would
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="mezame-bench-media-")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--rows", default="50000,100000,200000")
    parser.add_argument("--existing", type=int, default=200_000)
    parser.add_argument("--import", dest="with_import", action="store_true", help="also time the import")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    args = parser.parse_args(argv)
    _setup(args.dsn)
    sizes = [int(s) for s in args.rows.split(",")]
    if args.one:
        path = Path(tempfile.gettempdir()) / f"mezame_bench_customers_{args.one}.csv"
        print(json.dumps(run_one(args.one, args.existing, path, args.with_import)))
        return None

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ensure_existing_customers(args.existing)
    results = []
    for rows in sizes:
        path = Path(tempfile.gettempdir()) / f"mezame_bench_customers_{rows}.csv"
        if not path.exists():
            _log(f"writing {path}")
            write_customer_csv(path, rows, args.existing)
        _log(f"{rows:,} rows: check (a fresh process)")
        command = [sys.executable, "-m", "bench.bench_customer_import", "--dsn", args.dsn, "--one", str(rows),
                   "--existing", str(args.existing), *(["--import"] if args.with_import else [])]  # fmt: skip
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))

    print(f"customer file check, {args.existing:,} customers in the database (PostgreSQL; no Redis: in-process); "
          "CPU s: of the Python process (the database's work is in its own); memory: the process's RSS before the "
          "check + its peak increase during the check")
    print(f"{'rows':>8} {'MB':>5} {'check s':>8} {'µs/row':>7} {'CPU s':>6} {'COPY s':>7} {'check/COPY':>10} {'memory':>13} "
          f"{'valid':>8} {'errors':>6} {'warnings':>8}" + (f" {'import s':>8} {'µs/row':>7}" if args.with_import else ""))
    for r in results:
        line = (f"{r['rows']:>8,} {r['file_mb']:>5.1f} {r['check_seconds']:>8.2f} "
                f"{1e6 * r['check_seconds'] / r['rows']:>7.1f} {r['check_cpu_seconds']:>6.2f} {r['copy_seconds']:>7.2f} "
                f"{r['check_seconds'] / r['copy_seconds']:>9.1f}x {r['rss_before_mb']:>4.0f}+{r['rss_peak_mb'] - r['rss_before_mb']:>4.0f} MB "
                f"{r['valid_rows']:>8,} {r['errors']:>6,} {r['warnings']:>8,}")  # fmt: skip
        if args.with_import and "import_seconds" in r:
            line += f" {r['import_seconds']:>8.2f} {1e6 * r['import_seconds'] / r['rows']:>7.1f}"
        print(line)
        if r["state"] != "validated":
            print(f"   unexpected state {r['state']}: {r['message']}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 shared cores)")
    return results


if __name__ == "__main__":
    main()
