"""Double opt-in: e-mail consent ticked on the public inquiry form counts only once the address confirms it.

Under the Act on Specified Electronic Mail consent must come from the address's owner, and a public form proves
nothing about who typed the address. So the form only asks: a mail with a signed link goes to the address, and
consent is recorded when someone who can read that mailbox opens the link and presses the button (a page with a
button, not the GET itself, because mail scanners open links on their own).

The link only ever applies to the prospect its inquiry created, and only while that prospect's e-mail consent is
as the inquiry left it: once staff recorded anything about it (a withdrawal by phone, a merge that brought a
withdrawal along) or the address changed, the link changes nothing. A withdrawal is undone only by the customer's
own confirmed action or by staff recording how consent was obtained.
"""
import enum
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from customers import normalize
from customers.models import Customer, Inquiry
from customers.services import customer_email_consent_record_by_owner

# A salt of its own: a token signed for anything else in Mezame never passes as a consent confirmation.
SIGNING_SALT = "mezame.customers.inquiry.email-consent-confirmation"


class LinkState(enum.StrEnum):
    READY = "ready"  # the button will record consent
    CONFIRMED = "confirmed"  # recorded just now
    ALREADY = "already"  # confirmed before, or consent is on already: nothing to do
    NOT_APPLICABLE = "not_applicable"  # consent was changed or withdrawn since, the address changed, or merged away


class InvalidConsentLink(Exception):
    def __init__(self, *, expired=False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def confirm_max_age():
    return timedelta(days=settings.MEZAME_INQUIRY_CONFIRM_DAYS)


def inquiry_consent_token(inquiry):
    """A signed, timestamped token naming the inquiry and the address the link is mailed to."""
    return signing.dumps({"inquiry": inquiry.pk, "email": normalize.email_key(inquiry.email)}, salt=SIGNING_SALT)


def inquiry_for_consent_token(token):
    """The inquiry a valid, unexpired token was issued for; InvalidConsentLink otherwise."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=confirm_max_age())
    except signing.SignatureExpired:
        raise InvalidConsentLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidConsentLink() from None
    if not isinstance(data, dict):
        raise InvalidConsentLink()
    inquiry = (
        Inquiry.objects.select_related("customer")
        .filter(pk=data.get("inquiry"), state=Inquiry.State.NEW_PROSPECT, asked_for_email_consent=True)
        .first()
    )
    if inquiry is None or normalize.email_key(inquiry.email) != data.get("email"):
        raise InvalidConsentLink()
    return inquiry


def consent_link_state(inquiry, customer=None):
    """What pressing the button would do now (reads only). customer: the prospect, if already loaded/locked."""
    customer = customer if customer is not None else inquiry.customer
    if inquiry.consent_confirmed_at is not None:
        return LinkState.ALREADY
    if customer is None or customer.merged_into_id or customer.email_key != normalize.email_key(inquiry.email):
        return LinkState.NOT_APPLICABLE
    if customer.has_email_consent:
        return LinkState.ALREADY
    if _consent_touched_since_inquiry(customer):
        return LinkState.NOT_APPLICABLE
    return LinkState.READY


def _consent_touched_since_inquiry(customer):
    """True when anyone recorded anything about this prospect's e-mail consent after the inquiry created it.

    The inquiry creates the prospect without consent, no timestamp and no method. A timestamp or a method text
    (staff noting a withdrawal while the box stays unticked changes no flag, only the method) or any past version
    with consent on (an import sets the flag without a timestamp) means the owner's wish was recorded some other
    way, and that record wins over an old link.
    """
    if customer.email_consent_changed_at is not None or customer.email_consent_method:
        return True
    return customer.history.filter(has_email_consent=True).exists()


@transaction.atomic
def inquiry_consent_confirm(*, inquiry):
    """Record the prospect's e-mail consent from a confirmed link; returns the LinkState. Safe to call twice."""
    customer = Customer.objects.select_for_update().filter(pk=inquiry.customer_id).first()
    inquiry.refresh_from_db(fields=["consent_confirmed_at"])
    state = consent_link_state(inquiry, customer)
    if state != LinkState.READY:
        return state
    now = timezone.now()
    # The database decides which of two simultaneous clicks records the consent.
    if not Inquiry.objects.filter(pk=inquiry.pk, consent_confirmed_at__isnull=True).update(consent_confirmed_at=now):
        return LinkState.ALREADY
    customer_email_consent_record_by_owner(
        customer=customer, given=True, method=gettext_lazy("Double opt-in confirmation (web form)"),
        reason=gettext_lazy("E-mail consent confirmed by the address's owner (double opt-in)"), now=now)
    inquiry.consent_confirmed_at = now
    return LinkState.CONFIRMED


def inquiry_consent_request(*, inquiry, site_url, language=""):
    """Queue the confirmation mail for after commit (the worker must see the inquiry)."""
    from customers import tasks

    inquiry_id = inquiry.pk
    transaction.on_commit(lambda: tasks.inquiry_send_consent_confirmation.delay(inquiry_id, site_url, language))


def inquiry_consent_mail_send(*, inquiry_id, site_url, language=""):
    """Send the confirmation mail (subject, text and HTML templates). False when there is nothing to confirm."""
    inquiry = Inquiry.objects.filter(
        pk=inquiry_id,
        state=Inquiry.State.NEW_PROSPECT,
        asked_for_email_consent=True,
        consent_confirmed_at__isnull=True,
    ).first()
    if inquiry is None:
        return False
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    context = {
        # Nothing the sender typed goes into the mail: the form must not let anyone mail their text to a stranger.
        "confirm_url": site_url.rstrip("/") + reverse("inquiry:confirm", args=[inquiry_consent_token(inquiry)]),
        "days": settings.MEZAME_INQUIRY_CONFIRM_DAYS,
    }
    with translation.override(language):
        subject = " ".join(render_to_string("customers/inquiries/email/confirm_subject.txt", context).split())
        text = render_to_string("customers/inquiries/email/confirm_body.txt", context)
        html = render_to_string("customers/inquiries/email/confirm_body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[inquiry.email])
    message.attach_alternative(html, "text/html")
    message.send()
    return True
