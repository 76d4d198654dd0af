"""Bounces and complaints suppress the address: from an ESP's webhook (django-anymail's tracking signal) or from
the messages of a bounce mailbox (delivery status notifications, RFC 3464; the `delivery_bounces` command).

Only what is final suppresses: a hard bounce (5.x.x, anymail's "bounced" / "rejected") or a complaint. A soft
bounce (mailbox full, 4.x.x, "deferred") is left to the server's own retries.
"""
import email
import email.policy
import logging

from ..models import EmailSuppression
from .tracking import address_suppress

logger = logging.getLogger(__name__)

ANYMAIL_EVENTS = {
    "bounced": EmailSuppression.Reason.BOUNCE,
    "rejected": EmailSuppression.Reason.BOUNCE,
    "complained": EmailSuppression.Reason.COMPLAINT,
    "unsubscribed": EmailSuppression.Reason.UNSUBSCRIBE,
}


def anymail_tracking_received(sender, event, esp_name, **kwargs):
    """anymail.signals.tracking receiver: a final event for an address suppresses it."""
    reason = ANYMAIL_EVENTS.get(getattr(event, "event_type", ""))
    recipient = getattr(event, "recipient", "")
    if reason and recipient:
        address_suppress(email=recipient, reason=reason, source=f"anymail:{esp_name}"[:100])


def failed_recipients(raw_message):
    """The addresses a delivery status notification reports as permanently failed (Action: failed, 5.x.x)."""
    message = email.message_from_bytes(raw_message, policy=email.policy.compat32)
    found = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        groups = payload if isinstance(payload, list) else []
        for group in groups:
            action = (group.get("Action") or "").strip().lower()
            status = (group.get("Status") or "").strip()
            recipient = group.get("Final-Recipient") or group.get("Original-Recipient") or ""
            if action == "failed" and status.startswith("5") and ";" in recipient:
                found.append(recipient.split(";", 1)[1].strip())
    return found


def bounce_message_process(raw_message, *, source="bounce mailbox"):
    """Suppress every address a bounce message reports as failed; returns the addresses."""
    addresses = failed_recipients(raw_message)
    for address in addresses:
        address_suppress(email=address, reason=EmailSuppression.Reason.BOUNCE, source=source)
    return addresses
