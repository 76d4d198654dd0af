"""One campaign e-mail, rendered: subject, plain-text and HTML parts from three templates, tracked links, the
sender information and unsubscribe link the Act on Specified Electronic Mail asks for, and the RFC 8058
one-click unsubscribe headers.

Rendering is per chunk of outbox rows: the merge fields come set-based for the chunk (campaigns.delivery.merge),
the templates are compiled once, and URLs are built from one reversed prefix instead of a reverse() per link.
"""
import base64
import re
import secrets
from dataclasses import dataclass, field
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid, sanitize_address
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import conf, merge, tracking

SUBJECT_TEMPLATE = "campaigns/delivery/email/subject.txt"
TEXT_TEMPLATE = "campaigns/delivery/email/body.txt"
HTML_TEMPLATE = "campaigns/delivery/email/body.html"

# A URL in the step's text: up to whitespace, quotes, angle brackets or Japanese closing punctuation.
URL_PATTERN = re.compile(r"https?://[^\s<>\"'（）「」『』、。]+")


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    links: list = field(default_factory=list)
    headers: dict = field(default_factory=dict)


class _Urls:
    """Absolute URLs of the tracking views, reversed once per chunk."""

    def __init__(self):
        base = conf.site_url()
        self.click = base + reverse("campaigns:delivery:click", args=["TOKEN"])
        self.unsubscribe = base + reverse("campaigns:delivery:unsubscribe", args=["TOKEN"])
        self.open = base + reverse("campaigns:delivery:open", args=["TOKEN"])

    @staticmethod
    def with_token(pattern, token):
        return pattern.replace("TOKEN", token)


def _links_of(text):
    return list(dict.fromkeys(URL_PATTERN.findall(text)))


def _html_paragraphs(text, tracked):
    """The filled text as HTML: escaped, each URL a link to its tracked address, blank lines as paragraphs."""
    pieces, last = [], 0
    for match in URL_PATTERN.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        url = match.group(0)
        pieces.append(f'<a href="{escape(tracked[url])}">{escape(url)}</a>')
        last = match.end()
    pieces.append(escape(text[last:]))
    html = "".join(pieces)
    paragraphs = [part.strip().replace("\n", "<br>") for part in re.split(r"\n\s*\n", html) if part.strip()]
    return mark_safe("".join(f"<p>{part}</p>" for part in paragraphs))  # every piece escaped above


# The per-message values a template may print (as a plain {{ name }}, without filters). Everything else in the
# templates (the sender block, the translated sentences) is the same for every recipient of a step.
PER_MESSAGE = ("subject", "addressee", "text_body", "html_body", "unsubscribe_url", "open_url")
_SLOT = "\u2063MZ{}\u2063"  # an invisible separator around the name: survives escaping, never typed by anyone
_SLOT_PATTERN = re.compile("\u2063MZ([a-z_]+)\u2063")


class _Compiled:
    """A template rendered once per step with a marker in place of each per-message value, split on the markers:
    a message is then a join of constant pieces and its values (a hundred thousand messages in seconds instead
    of a full template rendering each)."""

    def __init__(self, template, context, *, escape_values):
        rendered = template.render({**context, **{name: mark_safe(_SLOT.format(name)) for name in PER_MESSAGE}})
        self.pieces = _SLOT_PATTERN.split(rendered)  # constant, name, constant, name, …, constant
        self.escape_values = escape_values

    def render(self, values):
        pieces = self.pieces
        out = [pieces[0]]
        for index in range(1, len(pieces), 2):
            value = values[pieces[index]]
            out.append(value if not self.escape_values or pieces[index] == "html_body" else escape(value))
            out.append(pieces[index + 1])
        return "".join(out)


class Renderer:
    """Renders the messages of one step: templates compiled and URLs reversed once (see _Compiled)."""

    def __init__(self, step):
        self.step = step
        self.urls = _Urls()
        self.with_pixel = conf.open_pixel()
        context = {"sender": conf.sender(), "campaign": step.campaign.name, "with_pixel": self.with_pixel}
        with translation.override(settings.LANGUAGE_CODE):
            self.subject, self.text, self.html = (
                _Compiled(get_template(name), context, escape_values=escape_values)
                for name, escape_values in ((SUBJECT_TEMPLATE, False), (TEXT_TEMPLATE, False), (HTML_TEMPLATE, True)))

    def render(self, message_pk, values):
        """A Rendered for outbox row `message_pk` with these merge values."""
        step = self.step
        subject = " ".join(merge.fill(step.subject or step.campaign.name, values).split())
        body = merge.fill(step.body, values)
        links = _links_of(body)
        tracked = {url: self.urls.with_token(self.urls.click, tracking.click_token(message_pk, index))
                   for index, url in enumerate(links)}
        text_body = URL_PATTERN.sub(lambda match: tracked[match.group(0)], body) if links else body
        unsubscribe_url = self.urls.with_token(self.urls.unsubscribe, tracking.unsubscribe_token(message_pk))
        slots = {
            "subject": subject, "addressee": str(values.get("addressee", "")), "text_body": text_body,
            "html_body": _html_paragraphs(body, tracked), "unsubscribe_url": unsubscribe_url,
            "open_url": (self.urls.with_token(self.urls.open, tracking.open_token(message_pk))
                         if self.with_pixel else ""),
        }
        rendered = Rendered(subject=" ".join(self.subject.render(slots).split()), text=self.text.render(slots),
                            html=self.html.render(slots), links=links)
        rendered.headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return rendered


class _Mime:
    """Just enough of email.message.Message for Django's backends (they send `message().as_bytes()`)."""

    def __init__(self, data):
        self.data = data

    def as_bytes(self, unixfrom=False, linesep="\n"):
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom=False, linesep="\n"):
        return self.as_bytes(linesep=linesep).decode("ascii")

    def __str__(self):
        return self.as_string()


def _encoded_words(text):
    """RFC 2047 encoded words (UTF-8, base64), split on character boundaries and folded, for a Japanese subject."""
    if text.isascii():
        return text
    words, current = [], b""
    for char in text:
        encoded = char.encode()
        if len(current) + len(encoded) > 45:  # 45 bytes → 60 base64 characters: each word under 76
            words.append(current)
            current = b""
        current += encoded
    words.append(current)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in words)


def _base64_body(text):
    return base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")


class CampaignEmail(EmailMultiAlternatives):
    """A campaign message: a plain EmailMultiAlternatives (ESP backends such as django-anymail read its subject,
    bodies and headers as usual), whose MIME form for SMTP is built directly (multipart/alternative, base64 UTF-8
    parts, RFC 2047 subject) instead of through the email package's generator, which costs several milliseconds
    a message: the difference between ~100 and several hundred messages a second per worker."""

    def message(self, *, policy=None):
        if self.attachments or len(self.alternatives) != 1 or any(
                not str(value).isascii() for value in self.extra_headers.values()):
            return super().message(policy=policy) if policy is not None else super().message()
        encoding = self.encoding or settings.DEFAULT_CHARSET
        boundary = f"=_mz_{secrets.token_hex(16)}"
        headers = [
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            ("Subject", _encoded_words(" ".join(self.subject.split()))),
            ("From", sanitize_address(self.from_email, encoding)),
            ("To", ", ".join(sanitize_address(address, encoding) for address in self.to)),
            ("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
        ]
        headers += [(name, value) for name, value in self.extra_headers.items()
                    if name.lower() not in {"from", "to", "subject", "date"}]
        if not any(name.lower() == "message-id" for name, _value in headers):
            headers.append(("Message-ID", make_msgid()))
        html = self.alternatives[0][0]
        lines = [f"{name}: {value}".encode() for name, value in headers]
        data = b"\r\n".join(lines) + b"\r\n\r\n"
        for content, subtype in ((self.body, "plain"), (html, "html")):
            data += (f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
                     f"Content-Transfer-Encoding: base64\r\n\r\n").encode() + _base64_body(content)
        return _Mime(data + f"--{boundary}--\r\n".encode())


def email_message(rendered, *, to, message_id, connection=None):
    """The CampaignEmail (text, then HTML) with the tracking headers and a stable Message-ID."""
    from_email = conf.setting("MEZAME_EMAIL_FROM", "") or settings.DEFAULT_FROM_EMAIL
    headers = dict(rendered.headers, **{"Message-ID": message_id})
    message = CampaignEmail(rendered.subject, rendered.text, from_email=from_email, to=[to],
                            headers=headers, connection=connection)
    message.attach_alternative(rendered.html, "text/html")
    return message
