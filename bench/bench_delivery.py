"""Benchmark of delivery: 100,000 e-mails queued and rendered, SMTP delivery to a local server, 1,000 letters to PDF.

    createdb -h 127.0.0.1 -U postgres mezame_delivery_bench
    .venv/bin/python -m bench.bench_delivery --dsn postgres://postgres@127.0.0.1:5432/mezame_delivery_bench

Targets (issue 15): 100,000 recipients rendered and queued in ≤ 60 s, ≥ 200 messages/s to a local SMTP server,
1,000 letters rendered to PDF in ≤ 60 s. Each figure comes with a floor measured in the same run on the same
machine, and the ratio:
- queue: the email channel handler's INSERT … SELECT (plus the executions' hand-over) against a bare
  INSERT … SELECT of the same rows into an unconstrained UNLOGGED table;
- render: every message's subject, text and HTML as they are sent (merge fields per chunk, the three templates,
  the signed links; the MIME form is built at send time and counted in the SMTP figure) against one Python f-string per part over the same rows fetched by one raw SELECT;
- SMTP: the outbox (claim, send-time checks, render, one connection per batch, a per-row 'sent' commit, the
  contacts recorded) against smtplib sending one pre-built message over one connection, to an aiosmtpd server
  (a discarding Sink) started in its own process;
- letters: the batch service (problems, postal order, merge fields, WeasyPrint in chunks, cover and labels)
  against WeasyPrint rendering 1,000 plain A4 pages of the same Japanese text in one pass.
The database is migrated first; customers come from bench.datasets (codes B…), a new campaign per run.
"""
import argparse
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time

from bench.django_setup import setup_postgres

RECIPIENTS = 100_000
SMTP_MESSAGES = 5_000
LETTERS = 1_000
BODY = ("{{ reason_paragraph }}\n\n前回ご購入の「{{ last_product }}」はいかがでしょうか。春の新製品をご用意しました。\n"
        "詳しくはこちら: https://shop.example.jp/spring?utm_source=mail\n\n担当 {{ rep_name }}")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def check(condition, message):
    if not condition:
        sys.exit(f"benchmark result wrong: {message}")


CPU = {}


def timed(function, *args, **kwargs):
    """Wall-clock seconds (and this process's CPU seconds, kept in CPU under the function's name)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    CPU[function.__name__] = time.process_time() - cpu
    return time.perf_counter() - started, result


def setup_customers(count):
    from django.db import connection

    from bench.datasets import _customers

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer WHERE code LIKE 'B%%'")
        if cursor.fetchone()[0] < count:
            _customers(cursor, count)
        # Letters need an address; the dataset leaves it empty.
        cursor.execute("UPDATE customers_customer SET address = '千代田区丸の内1-1-1', "
                       "postal_code = substr(postal_key, 1, 3) || '-' || substr(postal_key, 4, 4) "
                       "WHERE code LIKE 'B%%' AND address = ''")


def new_step(channel, customer_filter, limit):
    """A launched campaign with one step and a due execution for each of `limit` customers (set-based)."""
    from django.db import connection
    from django.utils import timezone

    from campaigns.models import Campaign, CampaignStep

    today = timezone.localdate()
    campaign = Campaign.objects.create(name=f"bench {channel} {time.time():.0f}", starts_on=today, ends_on=today,
                                       channel=channel, approach="everyone", state="launched")
    step = CampaignStep.objects.create(campaign=campaign, position=1, channel=channel, subject="{{ company }}様 春のご案内",
                                       body=BODY)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO campaigns_campaigntarget (campaign_id, customer_id, in_control_group, due_on, "
            f"sequence_state, last_step_position, enrolled_at, left_reason) "
            f"SELECT %s, id, false, %s, 'active', 0, now(), '' FROM customers_customer "
            f"WHERE code LIKE 'B%%' AND {customer_filter} ORDER BY id LIMIT %s", [campaign.pk, today, limit])
        cursor.execute(
            "INSERT INTO campaigns_stepexecution (step_id, campaign_id, target_id, customer_id, due_on, state, "
            "skip_reason, created_at) SELECT %s, %s, id, customer_id, due_on, 'due', '', now() "
            "FROM campaigns_campaigntarget WHERE campaign_id = %s", [step.pk, campaign.pk, campaign.pk])
    return step


def bench_queue_and_render(count):
    from django.db import connection, transaction
    from django.utils import timezone

    from campaigns.delivery import mail, merge, outbox
    from campaigns.models import OutboxMessage, StepExecution

    step = new_step("email", "true", count)
    log(f"queue: {count:,} executions")
    with transaction.atomic():
        queue_s, queued = timed(outbox.email_channel_handler, step=step,
                                executions=StepExecution.objects.filter(step=step), now=timezone.now())
    check(queued == count, f"queued {queued} of {count}")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_outbox_floor")
        cursor.execute("CREATE UNLOGGED TABLE bench_outbox_floor (step_id bigint, campaign_id bigint, "
                       "customer_id bigint, execution_id bigint, state varchar(10))")
        started = time.perf_counter()
        cursor.execute("INSERT INTO bench_outbox_floor SELECT step_id, campaign_id, customer_id, id, 'queued' "
                       "FROM campaigns_stepexecution WHERE step_id = %s", [step.pk])
        queue_floor = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_outbox_floor")

    log("render: every message, as sent")
    rows = list(OutboxMessage.objects.filter(step=step).order_by("pk")
                .values_list("pk", "customer_id", "customer__email"))
    step = type(step).objects.select_related("campaign").get(pk=step.pk)

    def render_all():
        renderer = mail.Renderer(step)
        size = 0
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            values = merge.fields_for(step, [customer_id for _pk, customer_id, _email in chunk])
            for pk, customer_id, _address in chunk:
                rendered = renderer.render(pk, values[customer_id])
                size += len(rendered.text) + len(rendered.html)
        return size

    render_s, size = timed(render_all)

    def render_floor():
        with connection.cursor() as cursor:
            cursor.execute("SELECT o.id, c.name, c.email FROM campaigns_outboxmessage o JOIN customers_customer c "
                           "ON c.id = o.customer_id WHERE o.step_id = %s", [step.pk])
            fetched = cursor.fetchall()
        total = 0
        for pk, name, address in fetched:
            subject = f"{name}様 春のご案内"
            text = f"{name} 御中\n\n{BODY}\n\nhttps://example.jp/c/{pk}\nhttps://example.jp/u/{pk}\n{address}"
            html = f"<html><body><p>{name} 御中</p><p>{BODY}</p><a href='https://example.jp/u/{pk}'>x</a></body></html>"
            total += len(subject) + len(text) + len(html)
        return total

    floor_s, _size = timed(render_floor)
    OutboxMessage.objects.filter(step=step).delete()
    return {"queue": (queue_s, queue_floor), "render": (render_s, floor_s), "bytes": size / len(rows)}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_smtp(count, workers):
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.utils import timezone

    from campaigns.delivery import outbox
    from campaigns.models import OutboxMessage, StepExecution

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stderr=subprocess.DEVNULL)
    try:
        for _attempt in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.MEZAME_EMAIL_RATE_PER_SECOND = 0
        settings.MEZAME_EMAIL_BATCH_SIZE = 500
        step = new_step("email", "has_email_consent", count)
        outbox.email_channel_handler(step=step, executions=StepExecution.objects.filter(step=step),
                                     now=timezone.now())
        log(f"smtp: {count:,} messages through the outbox")

        def one_worker(results):
            from django.db import connection

            sent = 0
            try:
                while True:
                    counts = outbox.outbox_send_batch(step_id=step.pk)
                    sent += counts["sent"]
                    if not counts["claimed"]:
                        break
            finally:
                results.append(sent)
                connection.close()

        def send_all():
            """`workers` senders at once, as Celery's worker processes would (claims never overlap)."""
            results = []
            threads = [threading.Thread(target=one_worker, args=(results,)) for _ in range(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return sum(results)

        outbox_s, sent = timed(send_all)
        check(sent == count and not OutboxMessage.objects.filter(step=step).exclude(state="sent").exists(),
              f"sent {sent} of {count}")

        message = EmailMultiAlternatives("春のご案内", "本文です。\n" * 100, to=["c1@example.jp"])
        message.attach_alternative("<p>" + "本文です。<br>\n" * 100 + "</p>", "text/html")
        raw = message.message().as_bytes(linesep="\r\n")

        def floor():
            connection = smtplib.SMTP("127.0.0.1", port)
            for index in range(count):
                connection.sendmail("noreply@mezame.example", [f"c{index}@example.jp"], raw)
            connection.quit()

        floor_s, _ = timed(floor)
    finally:
        server.terminate()
        server.wait()
    return {"smtp": (outbox_s, floor_s), "count": count}


def bench_letters(count):
    from django.utils import timezone
    from weasyprint import HTML

    from campaigns.channels import channel_handler
    from campaigns.delivery import letters
    from campaigns.models import LetterBatch, StepExecution

    step = new_step("dm", "has_dm_consent", count)
    channel_handler("dm")(step=step, executions=StepExecution.objects.filter(step=step), now=timezone.now())
    batch = LetterBatch.objects.get(step=step)
    LetterBatch.objects.filter(pk=batch.pk).update(state=LetterBatch.State.RENDERING)
    log(f"letters: {count:,} to PDF")
    letters_s, _ = timed(letters.letter_batch_render_run, batch_id=batch.pk)
    batch.refresh_from_db()
    check(batch.state == "ready" and batch.letters_count == count, f"{batch.state}: {batch.letters_count} letters")
    page = ("<section style='page-break-after: always'><p>〒100-0005 東京都千代田区丸の内1-1-1</p>"
            "<p>株式会社サンプル 御中</p><p>" + BODY.replace("\n", "<br>") + "</p></section>")
    html = ("<html lang='ja'><head><style>@page { size: A4; margin: 20mm } html { font-family: 'Noto Sans CJK JP' }"
            "</style></head><body>" + page * count + "</body></html>")
    floor_s, _ = timed(lambda: HTML(string=html).write_pdf())
    return {"letters": (letters_s, floor_s), "size": batch.file.size}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="PostgreSQL URL (else DATABASE_URL)")
    parser.add_argument("--recipients", type=int, default=RECIPIENTS)
    parser.add_argument("--smtp-messages", type=int, default=SMTP_MESSAGES)
    parser.add_argument("--letters", type=int, default=LETTERS)
    parser.add_argument("--smtp-workers", type=int, default=1, help="senders at once (threads, each its own "
                        "database and SMTP connection, like Celery's worker processes)")
    args = parser.parse_args(argv)
    os.environ.pop("REDIS_URL", None)  # tasks queued on commit run in-process (none is, here)

    import logging

    setup_postgres(args.dsn)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from django.conf import settings
    from django.core.management import call_command

    settings.MEZAME_SITE_URL = "https://mezame.example"
    call_command("migrate", verbosity=0)
    from campaigns.delivery import tasks

    tasks.outbox_send.delay = lambda *args, **kwargs: None  # the benchmark sends itself, timed
    setup_customers(max(args.recipients, args.letters * 3, args.smtp_messages * 3))

    results = bench_queue_and_render(args.recipients)
    results.update(bench_smtp(args.smtp_messages, args.smtp_workers))
    results.update(bench_letters(args.letters))

    queue_s, queue_floor = results["queue"]
    render_s, render_floor = results["render"]
    smtp_s, smtp_floor = results["smtp"]
    letters_s, letters_floor = results["letters"]
    n, m = args.recipients, results["count"]
    print(f"\n{'measure':52} {'seconds':>8} {'floor s':>8} {'ratio':>6}")
    print(f"{f'queue {n:,} e-mails (handler INSERT … SELECT)':52} {queue_s:8.2f} {queue_floor:8.2f} "
          f"{queue_s / queue_floor:6.1f}")
    kib = results["bytes"] / 1024
    print(f"{f'render {n:,} e-mails (text + HTML, {kib:.1f} KiB)':52} {render_s:8.2f} "
          f"{render_floor:8.2f} {render_s / render_floor:6.1f}")
    print(f"{f'queued and rendered, {n:,} recipients (target ≤ 60 s)':52} {queue_s + render_s:8.2f}")
    print(f"{f'SMTP {m:,} messages via the outbox, {args.smtp_workers} sender(s)':52} {smtp_s:8.2f} {smtp_floor:8.2f} {smtp_s / smtp_floor:6.1f}")
    print(f"{'  messages/s (target ≥ 200) / floor messages/s':52} {m / smtp_s:8.0f} {m / smtp_floor:8.0f}")
    cpu_outbox, cpu_floor = CPU["send_all"] / m * 1000, CPU["floor"] / m * 1000
    print(f"{'  CPU ms per message in the sending process':52} {cpu_outbox:8.2f} {cpu_floor:8.2f} "
          f"{cpu_outbox / cpu_floor:6.1f}")
    print(f"{f'{args.letters:,} letters to PDF (target ≤ 60 s)':52} {letters_s:8.2f} {letters_floor:8.2f} "
          f"{letters_s / letters_floor:6.1f}")
    print(f"  PDF size: {results['size'] / 1024 / 1024:.1f} MiB")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
