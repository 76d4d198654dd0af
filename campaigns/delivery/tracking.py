"""What recipients do with a message: unsubscribe, click, open; and what their mail servers report (bounces).

Every link in a message carries a signed token naming the outbox row (and, for a click, the link's index in the
row's stored links), each with a salt of its own, so no token passes for another kind and a changed character
is refused. The click redirect reads the target from the outbox row, never from the request: it can only go to
a URL that was in that message.
"""
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from customers import normalize
from customers.models import Customer
from customers.services import customer_email_consent_record_by_owner

from ..models import EmailClick, EmailSuppression, OutboxMessage

UNSUBSCRIBE_SALT = "mezame.campaigns.delivery.unsubscribe"
CLICK_SALT = "mezame.campaigns.delivery.click"
OPEN_SALT = "mezame.campaigns.delivery.open"


class InvalidToken(Exception):
    pass


def _sign(salt, value):
    return signing.Signer(salt=salt).sign(value)


def _unsign(salt, token):
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        raise InvalidToken() from None


def unsubscribe_token(message_id):
    return _sign(UNSUBSCRIBE_SALT, str(message_id))


def click_token(message_id, index):
    return _sign(CLICK_SALT, f"{message_id}.{index}")


def open_token(message_id):
    return _sign(OPEN_SALT, str(message_id))


def message_for_unsubscribe(token):
    value = _unsign(UNSUBSCRIBE_SALT, token)
    message = OutboxMessage.objects.select_related("customer").filter(pk=int(value)).first()
    if message is None:
        raise InvalidToken()
    return message


# --- unsubscribe -----------------------------------------------------------------------------------------------

class How:
    ONE_CLICK = "one_click"  # the mail client's button (RFC 8058 POST)
    PAGE = "page"  # the link in the message, then the button on our page


def _method_text(how):
    if how == How.ONE_CLICK:
        return gettext_lazy("Unsubscribed with the mail client's one-click button")
    return gettext_lazy("Unsubscribed through the link in a campaign e-mail")


@transaction.atomic
def unsubscribe(*, token, how, now=None):
    """Withdraw the e-mail consent of the customer a message went to, at once, and suppress the address.

    Recorded like any consent change: the flag off, when, how (the customer's history keeps the change and why).
    Safe to call twice; returns the customer. InvalidToken for a token that was not issued by us.
    """
    now = now or timezone.now()
    message = message_for_unsubscribe(token)
    customer = Customer.objects.select_for_update().get(pk=message.customer_id)
    address = normalize.email_key(message.to_email or customer.email)
    if address:
        EmailSuppression.objects.get_or_create(
            email_key=address, defaults={"reason": EmailSuppression.Reason.UNSUBSCRIBE, "source": how,
                                         "created_at": now})
    if customer.has_email_consent:
        customer_email_consent_record_by_owner(
            customer=customer, given=False, method=_method_text(how),
            reason=gettext_lazy("E-mail consent withdrawn by the recipient (unsubscribe)"), now=now)
    # Anything still queued for this address is not sent (the send-time check would catch it too).
    OutboxMessage.objects.filter(customer_id=customer.pk, state=OutboxMessage.State.QUEUED).update(
        state=OutboxMessage.State.SUPPRESSED, last_error="unsubscribed")
    return customer


# --- clicks and opens ------------------------------------------------------------------------------------------

def click_record(*, token, now=None):
    """Record a click and return the URL to redirect to; InvalidToken when the token or the link is not ours."""
    value = _unsign(CLICK_SALT, token)
    try:
        message_id, index = (int(part) for part in value.split("."))
    except ValueError:
        raise InvalidToken() from None
    message = OutboxMessage.objects.filter(pk=message_id).values("pk", "customer_id", "campaign_id", "step_id",
                                                                  "links").first()
    if message is None or not 0 <= index < len(message["links"] or []):
        raise InvalidToken()
    url = message["links"][index]
    if not url.startswith(("https://", "http://")):
        raise InvalidToken()
    EmailClick.objects.create(message_id=message_id, customer_id=message["customer_id"],
                              campaign_id=message["campaign_id"], step_id=message["step_id"], url=url,
                              clicked_at=now or timezone.now())
    return url


def open_record(*, token, now=None):
    """The first time the open pixel loads (optional; images are often blocked, so it is only a hint)."""
    try:
        message_id = int(_unsign(OPEN_SALT, token))
    except (InvalidToken, ValueError):
        return
    OutboxMessage.objects.filter(pk=message_id, opened_at__isnull=True).update(opened_at=now or timezone.now())


# --- bounces and complaints ------------------------------------------------------------------------------------

@transaction.atomic
def address_suppress(*, email, reason, source, now=None):
    """Never mail this address again (a hard bounce, a complaint); what is queued for it is suppressed too.
    Returns True when the address was newly suppressed."""
    key = normalize.email_key(email)
    if not key:
        return False
    _row, created = EmailSuppression.objects.get_or_create(
        email_key=key, defaults={"reason": reason, "source": source[:100], "created_at": now or timezone.now()})
    OutboxMessage.objects.filter(customer__email_key=key, state=OutboxMessage.State.QUEUED).update(
        state=OutboxMessage.State.SUPPRESSED, last_error=reason)
    return created
