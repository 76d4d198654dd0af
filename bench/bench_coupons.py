"""Benchmark of coupons: issuing a step's coupons to many customers, and redeeming them from a purchase import.

    createdb -h 127.0.0.1 -U postgres mezame_coupons
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mezame_coupons .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.bench_coupons --dsn postgres://postgres@127.0.0.1:5432/mezame_coupons \
        [--customers 100000]

Customers come from bench.bench_dormant_list.fill (idempotent). Everything timed runs in one transaction that is
rolled back at the end, so the run can be repeated. Each figure is printed with its ratio to a floor measured in
the same run:

- issue: coupons_issue_for_step for every customer (codes drawn in one secrets batch, COPY into a temp table,
  one INSERT … SELECT … ON CONFLICT DO NOTHING) against two floors: a COPY of the same number of (code, customer)
  rows, codes drawn the same way, into an unindexed temp table; and a COPY of the same rows with the offer's
  columns straight into campaigns_coupon (its heap and 11 indexes, no conflict handling, rolled back) — the least
  any path that writes the table pays. Then the same call again (issues nothing), then SET CONSTRAINTS ALL
  IMMEDIATE: the deferred foreign-key checks the commit would run (bulk_create paid them too; not in the above).
  Measured 2026-11-28, 100,000 customers, 2 shared cores with other benchmarks running (two runs):
  floor 0.11–0.37 s, COPY into the table 4.7–11.0 s, issue 4.4–10.6 s (0.9–1.0× the COPY into the table),
  again 0.4–2.1 s, foreign-key checks 3.4–6.7 s. Before (ORM bulk_create, codes drawn per character with
  secrets.choice), old and new side by side in one process: 24.5–25.2 s against 5.0–5.5 s, the old floor (a COPY
  with codes drawn per character, 90 % of it drawing) 2.4–3.5 s;
- import: a purchases file of one line per customer, half of them carrying their valid coupon code and one in ten
  a code that fails (another customer's); the whole import with the coupon hook, the import without it (hook
  unregistered), and the hook alone (redeem set-based + warnings), against a floor: one plain UPDATE … FROM joining
  the imported lines to the coupons by code and customer.
"""
import argparse
import datetime
import io
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class _RollBack(Exception):
    pass


def timed(label, fn, floor=None):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    ratio = f"{seconds / floor:7.1f}x" if floor else f"{'':8}"
    print(f"{label:62} {seconds:8.3f} s {ratio}  {result if result is not None else ''}", flush=True)
    return seconds, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.dsn

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.bench_dormant_list import fill
    from campaigns.coupons import codes, hooks
    from campaigns.coupons.services import coupons_issue_for_step
    from campaigns.models import Campaign, CampaignStep, Coupon, CouponOffer
    from customers.models import Customer, Product
    from customers.purchases import coupon_hooks
    from customers.purchases.importer import purchases_import

    fill(args.customers)
    today = timezone.localdate()
    customer_rows = list(Customer.objects.filter(code__startswith="B").order_by("pk")
                         .values_list("pk", "code")[:args.customers])
    ids = [pk for pk, _code in customer_rows]
    print(f"{len(ids):,} customers", flush=True)
    try:
        with transaction.atomic():
            product = Product.objects.create(code="BENCH-COUPON", name="ベンチ ピザ", category="ピザ")
            campaign = Campaign.objects.create(name="bench coupons", starts_on=today, ends_on=today,
                                               channel=Campaign.Channel.DM, state=Campaign.State.LAUNCHED)
            step = CampaignStep.objects.create(campaign=campaign, position=1, channel=Campaign.Channel.DM)
            CouponOffer.objects.create(step=step, product=product, min_quantity=2, discount_value=10, valid_days=10)

            with connection.cursor() as cursor:
                cursor.execute("CREATE TEMP TABLE bench_coupon_floor (code text, customer_id bigint)")

                def copy_floor():  # the codes drawn as the issuing draws them: one batch
                    data = "".join(f"{code}\t{pk}\n" for code, pk in zip(codes.new_codes(len(ids)), ids, strict=True))
                    cursor.copy_expert("COPY bench_coupon_floor FROM STDIN", io.StringIO(data))

                floor, _ = timed("floor: COPY of (new code, customer) rows, no index", copy_floor)

                # What any path that writes the coupons pays: the same rows, with the offer's columns, straight
                # into campaigns_coupon (its heap and indexes), without conflict handling; rolled back.
                columns = ("code", "customer_id", "source", "campaign_id", "step_id", "valid_from", "valid_until",
                           "state", "issued_at", "issued_by_id", "product_id", "category", "min_quantity",
                           "discount_kind", "discount_value")
                shared = (f"campaign\t{campaign.pk}\t{step.pk}\t{today}\t{today + datetime.timedelta(days=9)}\t"
                          f"issued\t{timezone.now().isoformat()}\t\\N\t{product.pk}\t\t2\tpercent\t10\n")

                def copy_table_floor():
                    data = "".join(f"{code}\t{pk}\t{shared}"
                                   for code, pk in zip(codes.new_codes(len(ids)), ids, strict=True))
                    cursor.copy_expert(f"COPY campaigns_coupon ({', '.join(columns)}) FROM STDIN", io.StringIO(data))

                sid = transaction.savepoint()
                table_floor, _ = timed("floor: the same rows COPied into campaigns_coupon (its indexes)",
                                       copy_table_floor, floor)
                transaction.savepoint_rollback(sid)

            issue, _ = timed("issue: coupons_issue_for_step, every customer", lambda: coupons_issue_for_step(
                step=step, customer_ids=ids, today=today), floor)
            print(f"{'  against the COPY into campaigns_coupon':62} {'':10} {issue / table_floor:7.1f}x", flush=True)
            timed("issue again: nothing new", lambda: coupons_issue_for_step(
                step=step, customer_ids=ids, today=today), floor)
            with connection.cursor() as cursor:  # every bulk path pays them (bulk_create did too); not in the above
                timed("then at commit: the deferred foreign-key checks of the coupons", lambda: cursor.execute(
                    "SET CONSTRAINTS ALL IMMEDIATE"), floor)

            code_of = dict(Coupon.objects.filter(step=step).values_list("customer_id", "code"))
            lines = ["customer_code,purchased_on,product_code,quantity,amount,store,order_ref,coupon_code"]
            for n, (pk, code) in enumerate(customer_rows):
                coupon = ""
                if n % 2 == 0:
                    coupon = codes.format_code(code_of[pk])
                elif n % 10 == 1:
                    coupon = code_of[customer_rows[n - 1][0]]  # someone else's
                lines.append(f"{code},{today.isoformat()},BENCH-COUPON,2,4320,,BC-{n},{coupon}")
            data = ("\n".join(lines) + "\n").encode()

            hook_seconds = []
            real_hook = coupon_hooks.purchases_imported

            def measured_hook(**kwargs):
                started = time.perf_counter()
                warnings = real_hook(**kwargs)
                hook_seconds.append(time.perf_counter() - started)
                return warnings

            sid = transaction.savepoint()
            coupon_hooks.unregister_all()
            plain, result = timed("import without the coupon hook", lambda: purchases_import(
                data=data, filename="bench.csv").created)
            with connection.cursor() as cursor:
                def floor_update():
                    cursor.execute(
                        "UPDATE campaigns_coupon c SET state = 'redeemed', redeemed_purchase_id = p.id, "
                        "redeemed_on = p.purchased_on FROM customers_purchase p "
                        "WHERE p.import_batch_id IS NULL AND p.order_ref LIKE 'BC-%%' AND p.coupon_code <> '' "
                        "AND upper(replace(p.coupon_code, '-', '')) = c.code AND p.customer_id = c.customer_id "
                        "AND c.state = 'issued'")
                    return cursor.rowcount

                redeem_floor, _ = timed("floor: one UPDATE … FROM joining lines to coupons", floor_update)
            transaction.savepoint_rollback(sid)

            coupon_hooks.register_coupon_validator(hooks.coupon_code_problem)
            coupon_hooks.register_purchase_hook(hooks.redeem_entered)
            coupon_hooks.register_import_hook(hooks.redeem_imported)
            coupon_hooks.purchases_imported = measured_hook  # the importer calls it through the module
            try:
                results = []
                timed("import with the coupon hook", lambda: results.append(purchases_import(
                    data=data, filename="bench.csv")) or results[0].created, plain)
                result = results[0]
            finally:
                coupon_hooks.purchases_imported = real_hook
            redeemed = Coupon.objects.filter(step=step, state=Coupon.State.REDEEMED).count()
            print(f"{'  of which the hook (redeem + warnings)':62} {hook_seconds[0]:8.3f} s "
                  f"{hook_seconds[0] / redeem_floor:7.1f}x  redeemed {redeemed:,}, warnings {len(result.warnings):,} "
                  f"(reported up to {hooks.MAX_WARNINGS:,})", flush=True)
            raise _RollBack
    except _RollBack:
        pass
    print(f"(rolled back; {datetime.datetime.now():%Y-%m-%d %H:%M})", file=sys.stderr)


if __name__ == "__main__":
    main()
