"""Delivery settings with their defaults (config/settings/base.py reads them from the environment)."""
from django.conf import settings


def setting(name, default):
    return getattr(settings, name, default)


def site_url():
    """The public base URL links in e-mails point to (no request exists when a worker renders a message)."""
    return setting("MEZAME_SITE_URL", "http://localhost:8000").rstrip("/")


def sender():
    """The sender block of letters and the legally required sender information of e-mails (特定電子メール法):
    company name, address, phone, e-mail, and the address for opting out."""
    defaults = {
        "company": "Mezame株式会社",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田1-1",
        "phone": "03-0000-0000",
        "email": "info@mezame.example",
        "url": "",
    }
    defaults.update(setting("MEZAME_SENDER", {}) or {})
    return defaults


def batch_size():
    return int(setting("MEZAME_EMAIL_BATCH_SIZE", 200))


def rate_per_second():
    """At most this many messages per second per worker (0: no limit)."""
    return float(setting("MEZAME_EMAIL_RATE_PER_SECOND", 20))


def lease_seconds():
    """A 'sending' row older than this is taken again (its worker died)."""
    return int(setting("MEZAME_EMAIL_LEASE_SECONDS", 600))


def max_attempts():
    return int(setting("MEZAME_EMAIL_MAX_ATTEMPTS", 5))


def open_pixel():
    return bool(setting("MEZAME_EMAIL_OPEN_PIXEL", False))
