"""Coupon codes on purchases: a registry the coupons' owner (campaigns) fills from its AppConfig.ready().

Purchases carry a `coupon_code`, but what a code means lives in an app above customers, which this app may not
import. So the purchase entry and the import ask here:

- the entry form asks `coupon_code_problem(...)` and shows the sentence it returns (a used, expired, foreign or
  mistyped code) before anything is saved;
- `purchase_create` calls `purchase_entered(purchase, by=...)` in its transaction, so the code is redeemed with the
  purchase or neither is saved;
- the importer calls `purchases_imported(purchases=..., today=...)` in its transaction after writing the lines
  (a queryset of the new lines that carry a code) and keeps the returned warnings with the batch: an import is
  not refused for a bad code (the sale happened), but the code is reported, never dropped silently.

With nothing registered (campaigns not installed) a code is kept as plain text, as before.
"""
_validators = []
_entry_hooks = []
_import_hooks = []


def _add(registry, fn):
    if fn not in registry:  # a repeated ready() registers nothing twice
        registry.append(fn)


def register_coupon_validator(fn):
    """fn(*, code, customer, purchased_on, product, quantity) -> a sentence for the user, or None when usable."""
    _add(_validators, fn)


def register_purchase_hook(fn):
    """fn(*, purchase, by) — a purchase entered by hand was saved (raise ValidationError to refuse it)."""
    _add(_entry_hooks, fn)


def register_import_hook(fn):
    """fn(*, purchases, today) -> [warning dict] — lines with a coupon code were imported."""
    _add(_import_hooks, fn)


def unregister_all():
    """For tests that need the customers app alone."""
    _validators.clear()
    _entry_hooks.clear()
    _import_hooks.clear()


def coupon_code_problem(*, code, customer, purchased_on, product, quantity):
    if not code:
        return None
    for validator in _validators:
        problem = validator(code=code, customer=customer, purchased_on=purchased_on, product=product,
                            quantity=quantity)
        if problem:
            return problem
    return None


def purchase_entered(purchase, *, by):
    if purchase.coupon_code:
        for hook in _entry_hooks:
            hook(purchase=purchase, by=by)


def purchases_imported(*, purchases, today):
    """Warnings ({"customer_code", "purchased_on", "order_ref", "value", "reason"}) of the codes not redeemed."""
    warnings = []
    for hook in _import_hooks:
        warnings.extend(hook(purchases=purchases, today=today))
    return warnings
