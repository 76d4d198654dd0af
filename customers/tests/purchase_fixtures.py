"""Fixtures for the purchases tests: the sample's customers C0001–C0018 and products P-100…P-500.

Made here with plain model calls so these tests do not depend on the customer importer.
"""
from pathlib import Path

import pytest

from customers.models import Customer, Product

DATA = Path(__file__).resolve().parent / "purchase_data"
SAMPLE = DATA / "purchases_messy_cp932.csv"
PRODUCTS = {"P-100": ("セメント 25kg", 980), "P-200": ("石膏ボード 9.5mm", 620), "P-300": ("断熱材 グラスウール", 4200),
            "P-400": ("ずわいがに 1kg", 6800), "P-500": ("シーフードスペシャル", 2400)}


def make_sample_customers():
    return [Customer.objects.create(code=f"C{n:04d}", name=f"サンプル商事{n}", lifecycle=Customer.Lifecycle.CUSTOMER)
            for n in range(1, 19)]


def make_sample_products():
    return [Product.objects.create(code=code, name=name, unit_price=price, category="建材" if price < 5000 else "食品")
            for code, (name, price) in PRODUCTS.items()]


@pytest.fixture
def sample_customers(db):
    return make_sample_customers()


@pytest.fixture
def sample_products(db):
    return make_sample_products()


@pytest.fixture
def sample_bytes():
    return SAMPLE.read_bytes()
