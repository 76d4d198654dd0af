"""Shared by the delivery tests: a real SMTP server on loopback (aiosmtpd) and a launched step with executions."""
import datetime
import email
import email.policy
import logging
import re
import socket
import threading
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from campaigns.models import Campaign, CampaignStep, CampaignTarget, StepExecution
from campaigns.tests.support import customer

SITE = "http://testserver"


class Inbox:
    """aiosmtpd handler: keeps every message accepted, parsed."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.fail_once = set()  # addresses answered "451 try again later" the first time
        self.refuse = set()  # addresses refused for good (550)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such user"
        if address in self.fail_once:
            self.fail_once.discard(address)
            return "451 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted"

    def to(self, address):
        return [message for message in self.messages if address in message["To"]]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend pointed at it. Yields the Inbox."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MEZAME_SITE_URL = SITE
    settings.MEZAME_EMAIL_RATE_PER_SECOND = 0
    try:
        yield inbox
    finally:
        controller.stop()


def launched_step(*, channel="email", customers=(), subject="", body="", by=None):
    """A launched campaign with one step on `channel` and a DUE execution for each customer."""
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="2026年 春の再訪キャンペーン", starts_on=today, ends_on=today + datetime.timedelta(days=30),
        channel=channel, approach=Campaign.Approach.EVERYONE, state=Campaign.State.LAUNCHED, created_by=by)
    step = CampaignStep.objects.create(campaign=campaign, position=1, channel=channel, subject=subject, body=body)
    for obj in customers:
        target = CampaignTarget.objects.create(campaign=campaign, customer=obj, due_on=today)
        StepExecution.objects.create(step=step, campaign=campaign, target=target, customer=obj, due_on=today)
    return step


def executions(step):
    return StepExecution.objects.filter(step=step)


def make_customers(count, **fields):
    return [customer(name=f"株式会社テスト{index:03d}", email=f"c{index:03d}@example.jp", **fields)
            for index in range(count)]


LINK = re.compile(r"https?://[^\s\"<>]+")


def links_in(text):
    return LINK.findall(text)


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def parts_of(message):
    """(text, html) of a received multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def header(message, name):
    """A header's value without the folding whitespace Python puts before a long value."""
    return " ".join(str(message[name]).split())


class WorkerKilled(BaseException):
    """Raised by CrashingBackend where a real worker would be killed."""


class CrashingBackend:
    """Django's SMTP backend that 'kills the worker' at the `crash_at`-th message (1-based): either between two
    messages (mode "before": the message was never started) or in the middle of its SMTP DATA (mode "mid_data":
    the server got part of it and then lost the connection, so it delivers nothing)."""

    crash_at = None
    mode = "before"
    sent = 0

    def __new__(cls, *args, **kwargs):
        from django.core.mail.backends.smtp import EmailBackend

        class Backend(EmailBackend):
            def _send(self, message):
                CrashingBackend.sent += 1
                if CrashingBackend.sent == CrashingBackend.crash_at:
                    if CrashingBackend.mode == "mid_data":
                        self.connection.mail(message.from_email)
                        self.connection.rcpt(message.recipients()[0])
                        self.connection.putcmd("data")
                        self.connection.getreply()
                        self.connection.send(b"Subject: half a message\r\n\r\nonly the first part")
                        self.connection.sock.shutdown(socket.SHUT_RDWR)  # the server sees the peer vanish
                        self.connection.sock.close()
                    raise WorkerKilled()
                return super()._send(message)

        return Backend(*args, **kwargs)
