"""Merge fields: the {{ name }} placeholders a step's subject and text (and the letter and e-mail templates) fill in.

A small registry: each provider is called once per chunk of customers as provider(step, customer_ids, round=n) and
returns {customer_id: {field: value}} (set-based, a few queries per chunk, never one per customer). `round` is the
round of the customers' enrolment the message belongs to (1, or a playbook's later round: campaigns.playbooks);
a provider whose values belong to a step and customer (a coupon, a feedback link) gives the round's. The built-in
provider gives the customer's side; the coupons module (campaigns.coupons.merge_fields, registered by its setup) adds
coupon_code, coupon_expires_on and coupon_offer; any app may add more from its AppConfig.ready().

The step's text is filled by plain substitution, not by Django's template engine: managers edit it, and a
template language in their hands could read any attribute of the objects passed in.
"""
import datetime
import re
from collections import defaultdict

from django.db.models import OuterRef, Subquery
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.dormancy.models import DormancyReason
from customers.models import Contact, Customer, Purchase

from .conf import sender

FIELD_PATTERN = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")

# Field name -> what it holds (listed beside the step's text editor and in docs/delivery.md).
FIELDS = {
    "company": gettext_lazy("Customer (company or person) name"),
    "contact_name": gettext_lazy("Contact person"),
    "contact_title": gettext_lazy("Contact person's title"),
    "contact_department": gettext_lazy("Contact person's department"),
    "addressee": gettext_lazy("Addressee with 様 / 御中"),
    "rep_name": gettext_lazy("Assigned rep's name"),
    "last_product": gettext_lazy("Last product bought"),
    "reason_paragraph": gettext_lazy("A paragraph for the customer's dormancy reason"),
    "postal_code": gettext_lazy("Postal code"),
    "address": gettext_lazy("Address"),
    "coupon_code": gettext_lazy("Coupon code"),
    "coupon_expires_on": gettext_lazy("Coupon valid until"),
    "coupon_offer": gettext_lazy("Coupon offer"),
    "sender_company": gettext_lazy("Our company's name (the sender)"),
    "feedback_url": gettext_lazy("The customer's own link to the feedback form"),
}

_PROVIDERS = []


def register_merge_fields(provider, fields=None):
    """Add a provider(step, customer_ids, round=1) -> {customer_id: {field: value}}; `fields` {name: label} documents
    it."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    FIELDS.update(fields or {})


def reason_paragraphs():
    """The default paragraph for each dormancy reason (a playbook's step text may say it differently)."""
    return {
        DormancyReason.PRODUCT: _("We have improved our products since your last order, and would be glad to "
                                  "show you what has changed."),
        DormancyReason.PRICE: _("We have reviewed our prices and conditions, and have prepared an offer for "
                                "customers who have been with us for a long time."),
        DormancyReason.CUSTOMER_SIDE: _("If anything has changed at your company, we would be glad to hear how we "
                                        "can help you now."),
        DormancyReason.UNKNOWN: _("It has been a while since we last heard from you, and we would be glad to "
                                  "help you again."),
    }


def addressee(*, company, is_company, contact_name, contact_title, contact_department):
    """The addressee line: 「株式会社X 営業部 部長 山田太郎 様」, a company without a contact 「株式会社X 御中」,
    a person 「山田太郎 様」."""
    if not is_company:
        return f"{company} 様"
    if contact_name:
        person = " ".join(part for part in (contact_department, contact_title, contact_name) if part)
        return f"{company} {person} 様"
    return f"{company} 御中"


def customer_fields(step, customer_ids, round=1):
    """The built-in fields: the customer, its main contact, its rep, its last product and its dormancy reason."""
    last_product = (Purchase.objects.filter(customer_id=OuterRef("pk"), product__isnull=False)
                    .order_by("-purchased_on", "-pk").values("product__name")[:1])
    rows = (Customer.objects.filter(pk__in=customer_ids)
            .annotate(m_last_product=Subquery(last_product))
            .values("pk", "name", "kind", "postal_code", "prefecture", "address", "m_last_product",
                    "assigned_rep__display_name", "assigned_rep__username", "dormancy__reason"))
    contacts = {}
    # The contact a letter goes to: active first, then the decision maker, then by name (Contact's ordering).
    for contact in (Contact.objects.filter(customer_id__in=customer_ids, is_active=True)
                    .order_by("customer_id", "-is_decision_maker", "name", "pk")
                    .values("customer_id", "name", "title", "department")):
        contacts.setdefault(contact["customer_id"], contact)
    paragraphs = reason_paragraphs()
    sender_company = sender()["company"]
    found = {}
    for row in rows:
        contact = contacts.get(row["pk"], {})
        is_company = row["kind"] == Customer.Kind.COMPANY
        values = {
            "company": row["name"],
            "contact_name": contact.get("name", ""),
            "contact_title": contact.get("title", ""),
            "contact_department": contact.get("department", ""),
            "rep_name": row["assigned_rep__display_name"] or row["assigned_rep__username"] or "",
            "last_product": row["m_last_product"] or "",
            "reason_paragraph": paragraphs.get(row["dormancy__reason"] or DormancyReason.UNKNOWN,
                                               paragraphs[DormancyReason.UNKNOWN]),
            "postal_code": row["postal_code"],
            "address": f"{row['prefecture']}{row['address']}",
            "is_company": is_company,
            "sender_company": sender_company,
        }
        values["addressee"] = addressee(company=row["name"], is_company=is_company,
                                        contact_name=values["contact_name"], contact_title=values["contact_title"],
                                        contact_department=values["contact_department"])
        found[row["pk"]] = values
    return found


def unregister_merge_fields(provider):
    if provider in _PROVIDERS:
        _PROVIDERS.remove(provider)


def fields_for(step, customer_ids, round=1):
    """{customer_id: {field: value}} from every provider for the customers' `round` of the step's campaign; a field
    a provider leaves out is empty."""
    merged = defaultdict(lambda: dict.fromkeys(FIELDS, ""))
    for provider in (customer_fields, *_PROVIDERS):
        for customer_id, values in (provider(step, customer_ids, round=round) or {}).items():
            merged[customer_id].update({key: _shown(value) for key, value in values.items()})
            if isinstance(values.get("coupon_expires_at_date"), datetime.date):  # the date in the reader's format
                merged[customer_id]["coupon_expires_on"] = _shown(values["coupon_expires_at_date"])
    return {customer_id: merged[customer_id] for customer_id in customer_ids}


def _shown(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")  # 2026年6月30日 in Japanese
    return value


def fill(text, values):
    """`text` with each {{ field }} replaced by its value (an unknown field becomes empty)."""
    if "{{" not in text:
        return text
    return FIELD_PATTERN.sub(lambda match: str(values.get(match.group(1), "")), text)
