"""factory_boy factories for the customer master and purchase history, with Japanese data from Faker ja_JP.

Tests set what they assert on (a name, a rep, an amount) and let the factory fill the rest; e-mail
addresses stay under example.jp so no test data can reach a real mailbox.
"""
import datetime as dt

import factory
from django.contrib.auth import get_user_model

from crm.roles import Role
from customers.models import Contact, Customer, Product, Purchase, Touchpoint

TEST_PASSWORD = "mezame-Test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="ja_JP")
    role = Role.SALES_REP

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, password=TEST_PASSWORD, **kwargs)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"F{n:05d}")
    kind = Customer.Kind.COMPANY
    name = factory.Faker("company", locale="ja_JP")
    name_kana = factory.Faker("kana_name", locale="ja_JP")
    lifecycle = Customer.Lifecycle.CUSTOMER
    phone = factory.Faker("phone_number", locale="ja_JP")
    email = factory.Sequence(lambda n: f"info{n}@example.jp")
    postal_code = factory.Faker("zipcode", locale="ja_JP")
    prefecture = factory.Faker("prefecture", locale="ja_JP")
    address = factory.Faker("city", locale="ja_JP")
    assigned_rep = None


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="ja_JP")
    name_kana = factory.Faker("kana_name", locale="ja_JP")
    phone = factory.Faker("phone_number", locale="ja_JP")


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    customer = factory.SubFactory(CustomerFactory)
    author = factory.SubFactory(UserFactory)
    department = "sales"
    channel = "phone"
    summary = "見積の件で電話"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"FP-{n:04d}")
    name = factory.Iterator(["セメント 25kg", "石膏ボード 9.5mm", "断熱材 グラスウール", "構造用合板 12mm", "防水シート"])
    category = "建材"
    unit_price = 1200


class PurchaseFactory(factory.django.DjangoModelFactory):
    """One purchase line; the summaries are not refreshed (call refresh_purchase_summaries when a test needs them)."""

    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    purchased_on = dt.date(2026, 1, 15)
    quantity = 1
    amount = 12_000
    store = "本店"
    order_ref = factory.Sequence(lambda n: f"FORD-{n:05d}")
    row_key = factory.Sequence(lambda n: f"factory:{n}")
