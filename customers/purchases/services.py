"""State changes of purchase history and its catalogue: purchases, products, price changes, market events.

Every function checks the permission layer itself and keeps CustomerPurchaseSummary right in the same
transaction. Purchases change by the importer in bulk; the functions here are for single corrections.
An edit or delete works from the row as stored (locked until commit), not from the caller's instance:
a line the caller has already moved to another customer still refreshes the customer it came from.
"""
import secrets

from django.db import transaction
from django.utils import timezone

from crm.permissions import require
from customers.models import PriceChange, Product, Purchase

from .coupon_hooks import purchase_entered
from .summary import refresh_purchase_summaries

# Correcting purchase data is the job of whoever may import it.
PURCHASE_EDIT_ACTION = "purchases.import"
PURCHASE_FIELDS = ("purchased_on", "purchased_at", "product", "quantity", "amount", "store", "order_ref", "coupon_code")
PRODUCT_FIELDS = ("code", "name", "category", "unit_price", "is_active")


def _manual_row_key():
    # Hand-entered lines have no source row; a random key can never collide with an import's key.
    return "m:" + secrets.token_hex(20)


@transaction.atomic
def purchase_create(*, by, customer, purchased_on, amount, **fields):
    require(by, PURCHASE_EDIT_ACTION)
    unknown = set(fields) - set(PURCHASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown purchase fields: {sorted(unknown)}")
    purchase = Purchase.objects.create(
        customer=customer, purchased_on=purchased_on, amount=amount, row_key=_manual_row_key(), **fields
    )
    # A coupon code is redeemed with the purchase (campaigns, through the registry), or neither is saved.
    purchase_entered(purchase, by=by)
    refresh_purchase_summaries(as_of=timezone.localdate(), customer_ids=[customer.pk])
    return purchase


@transaction.atomic
def purchase_update(*, purchase, by, **changes):
    """Apply `changes` to the stored line and return it; moving it to another customer refreshes both.

    Only the named changes are applied, to the row as stored: edits the caller made to its instance
    are not saved, and the customer the line came from is the stored one.
    """
    require(by, PURCHASE_EDIT_ACTION)
    allowed = set(PURCHASE_FIELDS) | {"customer"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown purchase fields: {sorted(unknown)}")
    stored = Purchase.objects.select_for_update().get(pk=purchase.pk)
    customer_ids = {stored.customer_id}
    for name, value in changes.items():
        setattr(stored, name, value)
    if changes:
        stored.save(update_fields=[f"{name}_id" if name in ("customer", "product") else name for name in changes])
    customer_ids.add(stored.customer_id)
    refresh_purchase_summaries(as_of=timezone.localdate(), customer_ids=customer_ids)
    return stored


@transaction.atomic
def purchase_delete(*, purchase, by):
    require(by, PURCHASE_EDIT_ACTION)
    stored = Purchase.objects.select_for_update().get(pk=purchase.pk)
    stored.delete()
    refresh_purchase_summaries(as_of=timezone.localdate(), customer_ids=[stored.customer_id])


@transaction.atomic
def product_create(*, by, code, name, category="", unit_price=None, is_active=True):
    require(by, "products.manage")
    return Product.objects.create(code=code.strip(), name=name.strip(), category=category.strip(),
                                  unit_price=unit_price, is_active=is_active)


@transaction.atomic
def product_update(*, product, by, changed_on=None, **changes):
    """Edit a product; a new unit price is also recorded as a PriceChange (a rise explains dormancy)."""
    require(by, "products.manage")
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"unknown product fields: {sorted(unknown)}")
    # Locked: two managers saving the same product must not both record a change from the same old price.
    old_price = Product.objects.select_for_update().filter(pk=product.pk).values_list("unit_price", flat=True).get()
    for name, value in changes.items():
        setattr(product, name, value)
    product.save(update_fields=list(changes) or None)
    if "unit_price" in changes and old_price is not None and product.unit_price is not None \
            and old_price != product.unit_price:
        PriceChange.objects.create(product=product, changed_on=changed_on or timezone.localdate(),
                                   old_price=old_price, new_price=product.unit_price)
    return product


@transaction.atomic
def product_delete(*, product, by):
    """Products with purchases are kept (PROTECT); callers show the ProtectedError as a message."""
    require(by, "products.manage")
    product.delete()


@transaction.atomic
def price_change_save(*, by, price_change):
    """Create or edit a recorded price change (from a validated form instance)."""
    require(by, "products.manage")
    price_change.save()
    return price_change


@transaction.atomic
def price_change_delete(*, by, price_change):
    require(by, "products.manage")
    price_change.delete()


@transaction.atomic
def market_event_save(*, by, event):
    require(by, "products.manage")
    if event.pk is None:
        event.created_by = by
    event.save()
    return event


@transaction.atomic
def market_event_delete(*, by, event):
    require(by, "products.manage")
    event.delete()
