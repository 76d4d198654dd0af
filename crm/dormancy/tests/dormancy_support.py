"""Builders for the dormancy engine's tests: customers with purchase histories on chosen days."""
import datetime
import itertools

from customers.models import Customer, Product, Purchase, Tag

AS_OF = datetime.date(2026, 6, 30)
_codes = itertools.count(1)
_rows = itertools.count(1)


def ago(days, as_of=AS_OF):
    return as_of - datetime.timedelta(days=days)


def make_customer(name="顧客", *, industry="", tags=(), is_key_account=False, rep=None, **extra):
    customer = Customer.objects.create(
        code=f"C{next(_codes):06d}", name=name, industry=industry, is_key_account=is_key_account,
        assigned_rep=rep, lifecycle=Customer.Lifecycle.CUSTOMER, **extra,
    )
    for tag in tags:
        customer.tags.add(Tag.objects.get_or_create(name=tag)[0])
    return customer


def buy(customer, on, amount=10_000, product=None):
    return Purchase.objects.create(
        customer=customer, purchased_on=on, amount=amount, product=product, row_key=f"test-{next(_rows)}"
    )


def buy_on_days(customer, days_ago, amount=10_000, product=None, as_of=AS_OF):
    for days in days_ago:
        buy(customer, ago(days, as_of), amount, product)
    return customer


def customer_with(days_ago, amount=10_000, **kwargs):
    return buy_on_days(make_customer(**kwargs), days_ago, amount)


def product(code="P1", category="建材", price=1000):
    return Product.objects.get_or_create(code=code, defaults={"name": code, "category": category, "unit_price": price})[0]
