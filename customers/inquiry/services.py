"""The public inquiry form's back end: spam limits and storing what was sent.

Anyone can type anyone's e-mail address or phone number into a public form, so an inquiry proves nothing about who
sent it. It is therefore stored as an Inquiry and never changes an existing customer:

- it matches a known customer (normalized e-mail or phone, on the customer or one of its contacts): it waits as an
  *unverified* inquiry on that customer's card and in the review queue (customers.inquiry.review);
- it matches nobody: it creates a prospect with the inquiry as its first touchpoint. E-mail consent ticked on the
  form is recorded only once the address confirms it (double opt-in, customers.inquiry.consent).
"""
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import normalize
from customers.duplicates.engine import known_by_contact_keys
from customers.models import Contact, Customer, Inquiry, Touchpoint
from customers.services import customer_create_unchecked

from .consent import inquiry_consent_request

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """'5/h' -> (5, 3600)."""
    count, _sep, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1] or "h"]


def inquiry_rate_limited(ip, *, rate=None):
    """Count one attempt from this IP; True when it is over the limit for the current window."""
    limit, seconds = parse_rate(rate or settings.MEZAME_INQUIRY_RATE_LIMIT)
    window = int(timezone.now().timestamp()) // seconds
    key = f"inquiry-rate:{ip}:{window}"
    # add() then incr() is atomic on Redis and good enough on the local-memory cache.
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count > limit


def match_known_customer(*, email, phone):
    """(customer, Inquiry.MatchedBy) for the record this sender claims to be, or (None, NONE).

    Asks the duplicate engine (customers.duplicates) by e-mail first, then phone; customers before contacts;
    merged-away records are skipped. Only these keys count: a name typed into a public form proves nothing.
    """
    phone = normalize.phone_key(phone)
    found = known_by_contact_keys(email_key=normalize.email_key(email), phones=(phone,) if phone else ())
    if not found:
        return None, Inquiry.MatchedBy.NONE
    pk, how = found[0]
    return Customer.objects.get(pk=pk), Inquiry.MatchedBy(how)


@transaction.atomic
def inquiry_submit(*, name, company, email, phone, message, has_consent, ip=None, site_url="", language=""):
    """Store an inquiry; returns the Inquiry.

    A known sender's inquiry only waits for review: the customer's fields, consent and timeline stay as they are.
    An unknown sender becomes a prospect without consent; when consent was ticked, a confirmation e-mail goes to
    the address after commit (site_url: the site's root URL for the link, language: the mail's language).
    """
    inquiry = Inquiry(
        name=normalize.clean_text(name),
        company=normalize.clean_text(company),
        email=email.strip(),
        phone=phone.strip(),
        message=message.strip(),
        asked_for_email_consent=bool(has_consent),
        submitted_from_ip=_ip_or_none(ip),
    )
    customer, matched_by = match_known_customer(email=email, phone=phone)
    if customer is not None:
        inquiry.customer, inquiry.matched_by, inquiry.state = customer, matched_by, Inquiry.State.UNVERIFIED
        inquiry.save()
        return inquiry

    customer = _prospect_from(inquiry)
    inquiry.customer, inquiry.state = customer, Inquiry.State.NEW_PROSPECT
    inquiry.touchpoint = Touchpoint.objects.create(
        customer=customer,
        author=None,
        department=Touchpoint.Department.SALES,
        channel=Touchpoint.Channel.WEB,
        summary=_inquiry_summary(inquiry),
        occurred_at=inquiry.created_at,
    )
    inquiry.save()
    if inquiry.asked_for_email_consent:
        inquiry_consent_request(inquiry=inquiry, site_url=site_url, language=language)
    return inquiry


def _prospect_from(inquiry):
    """A new prospect built from what the sender typed; never with consent (that waits for the double opt-in)."""
    company = inquiry.company
    customer = Customer(
        kind=Customer.Kind.COMPANY if company else Customer.Kind.PERSON,
        name=company or inquiry.name,
        lifecycle=Customer.Lifecycle.PROSPECT,
        source=Customer.Source.WEB_INQUIRY,
        email=inquiry.email,
        phone=inquiry.phone,
        has_email_consent=False,
    )
    customer._change_reason = _("Created from a web inquiry")
    customer = customer_create_unchecked(customer=customer)
    if company:
        Contact.objects.create(
            customer=customer,
            name=inquiry.name,
            email=normalize.email_key(inquiry.email),
            phone=normalize.format_phone(inquiry.phone) if inquiry.phone else "",
        )
    return customer


def _inquiry_summary(inquiry):
    """The inquiry as touchpoint text: who wrote, with what contact data, then the message."""
    who = _("Web inquiry from %(name)s") % {"name": inquiry.name}
    if inquiry.company:
        who += f" ({inquiry.company})"
    return "\n".join([who, f"{inquiry.email} {inquiry.phone}".strip(), "", inquiry.message])


def _ip_or_none(ip):
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None  # e.g. "unknown" when the address could not be told
