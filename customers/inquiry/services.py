"""The public inquiry form's back end: spam limits and turning an inquiry into a prospect plus a touchpoint.

An inquiry from someone we already know (same normalized e-mail or phone, on the customer or one of its
contacts) is attached to that customer instead of creating a duplicate.
"""
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import normalize
from customers.models import Contact, Customer, Touchpoint
from customers.services import customer_create_unchecked

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


def find_known_customer(*, email, phone):
    """The customer this person most likely is: by e-mail first, then phone; customers before contacts."""
    email = normalize.email_key(email)
    phone = normalize.phone_key(phone)
    live = Customer.objects.filter(merged_into__isnull=True)
    if email:
        customer = live.filter(email_key=email).order_by("pk").first()
        if customer:
            return customer
        contact = Contact.objects.filter(email_key=email, customer__merged_into__isnull=True).order_by("pk").first()
        if contact:
            return contact.customer
    if phone:
        customer = live.filter(Q(phone_key=phone) | Q(mobile_key=phone)).order_by("pk").first()
        if customer:
            return customer
        contact = (
            Contact.objects.filter(Q(phone_key=phone) | Q(mobile_key=phone), customer__merged_into__isnull=True)
            .order_by("pk")
            .first()
        )
        if contact:
            return contact.customer
    return None


@transaction.atomic
def inquiry_submit(*, name, company, email, phone, message, has_consent):
    """Create or find the customer and record the inquiry as a touchpoint. Returns (customer, created)."""
    name = normalize.clean_text(name)
    company = normalize.clean_text(company)
    customer = find_known_customer(email=email, phone=phone)
    created = customer is None
    now = timezone.now()
    if created:
        customer = Customer(
            kind=Customer.Kind.COMPANY if company else Customer.Kind.PERSON,
            name=company or name,
            lifecycle=Customer.Lifecycle.PROSPECT,
            source=Customer.Source.WEB_INQUIRY,
            email=email,
            phone=phone,
        )
        customer = customer_create_unchecked(customer=customer)
        if company:
            Contact.objects.create(customer=customer, name=name, email=normalize.email_key(email),
                                   phone=normalize.format_phone(phone) if phone else "")
    if has_consent and not customer.has_email_consent:
        customer.has_email_consent = True
        customer.email_consent_changed_at = now
        customer.email_consent_method = _("Web inquiry form")
        customer.save(update_fields=["has_email_consent", "email_consent_changed_at", "email_consent_method"])
    lines = [
        _("Web inquiry from %(name)s") % {"name": name} + (f" ({company})" if company else ""),
        f"{email} {phone}".strip(),
        "",
        message.strip(),
    ]
    Touchpoint.objects.create(
        customer=customer,
        author=None,
        department=Touchpoint.Department.SALES,
        channel=Touchpoint.Channel.WEB,
        summary="\n".join(lines),
        occurred_at=now,
    )
    return customer, created
