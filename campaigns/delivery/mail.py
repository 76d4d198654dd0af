"""One campaign e-mail, rendered: subject, plain-text and HTML parts from three templates, tracked links, the
sender information and unsubscribe link the Act on Specified Electronic Mail asks for, and the RFC 8058
one-click unsubscribe headers.

Rendering is per chunk of outbox rows: the merge fields come set-based for the chunk (campaigns.delivery.merge),
the templates are compiled once, and URLs are built from one reversed prefix instead of a reverse() per link.
"""
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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


class Renderer:
    """Renders the messages of one step (templates compiled and URLs reversed once)."""

    def __init__(self, step):
        self.step = step
        self.urls = _Urls()
        self.sender = conf.sender()
        self.templates = [get_template(name) for name in (SUBJECT_TEMPLATE, TEXT_TEMPLATE, HTML_TEMPLATE)]
        self.with_pixel = conf.open_pixel()

    def render(self, message_pk, values):
        """A Rendered for outbox row `message_pk` with these merge values."""
        step = self.step
        subject = " ".join(merge.fill(step.subject or step.campaign.name, values).split())
        body = merge.fill(step.body, values)
        links = _links_of(body)
        tracked = {url: self.urls.with_token(self.urls.click, tracking.click_token(message_pk, index))
                   for index, url in enumerate(links)}
        text_body = URL_PATTERN.sub(lambda match: tracked[match.group(0)], body)
        unsubscribe_url = self.urls.with_token(self.urls.unsubscribe, tracking.unsubscribe_token(message_pk))
        context = {
            "subject": subject, "values": values, "addressee": values.get("addressee", ""),
            "text_body": text_body, "html_body": _html_paragraphs(body, tracked), "sender": self.sender,
            "unsubscribe_url": unsubscribe_url, "campaign": step.campaign.name,
            "open_url": (self.urls.with_token(self.urls.open, tracking.open_token(message_pk))
                         if self.with_pixel else ""),
        }
        subject_t, text_t, html_t = self.templates
        with translation.override(settings.LANGUAGE_CODE):
            rendered = Rendered(subject=" ".join(subject_t.render(context).split()), text=text_t.render(context),
                                html=html_t.render(context), links=links)
        rendered.headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return rendered


def email_message(rendered, *, to, message_id, connection=None):
    """The EmailMultiAlternatives (text, then HTML) with the tracking headers and a stable Message-ID."""
    from_email = conf.setting("MEZAME_EMAIL_FROM", "") or settings.DEFAULT_FROM_EMAIL
    headers = dict(rendered.headers, **{"Message-ID": message_id})
    message = EmailMultiAlternatives(rendered.subject, rendered.text, from_email=from_email, to=[to],
                                     headers=headers, connection=connection)
    message.attach_alternative(rendered.html, "text/html")
    return message
