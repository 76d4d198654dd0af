"""The customers migrations of the kana key and the missing-data indexes: stored keys recomputed, the data-quality
counts and the "missing" filter served by their partial indexes on PostgreSQL."""
import importlib

import pytest
from django.apps import apps

from customers.filters import MISSING_CONDITIONS
from customers.models import Customer
from customers.tests.factories import CustomerFactory


@pytest.mark.django_db
def test_the_migration_recomputes_the_kana_keys_stored_before():
    customer = CustomerFactory(name_kana="ヤマダケンザイ(カ)")
    untouched = CustomerFactory(name_kana="スズキコウムテン")
    Customer.objects.filter(pk=customer.pk).update(kana_key="ヤマダケンザイ)")  # what the old key left
    migration = importlib.import_module("customers.migrations.0008_kana_key_without_legal_form")
    migration.recompute(apps, None)
    assert Customer.objects.get(pk=customer.pk).kana_key == "ヤマダケンザイ"
    assert Customer.objects.get(pk=untouched.pk).kana_key == "スズキコウムテン"


@pytest.mark.postgres
@pytest.mark.parametrize("key", ["phone", "email", "address", "rep"])
def test_each_missing_data_count_is_served_by_an_index_on_postgres(db, key, rep):
    from django.db import connection

    # A realistic table: almost every customer complete, a few missing the key, statistics up to date (with a
    # handful of rows and no statistics the planner may prefer any index that covers merged_into).
    CustomerFactory.create_batch(300, assigned_rep=rep)
    blank = {"phone": {"phone": "", "mobile": ""}, "email": {"email": ""}, "address": {"address": ""},
             "rep": {"assigned_rep": None}}[key]  # fmt: skip
    CustomerFactory.create_batch(3, **blank)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    live = Customer.objects.filter(merged_into__isnull=True).exclude(lifecycle=Customer.Lifecycle.RETIRED)
    plan = live.filter(MISSING_CONDITIONS[key]).order_by("code").explain()
    # Served by an index (the partial one, or for e-mail and rep the plain key index that is as selective),
    # never by reading the whole table.
    assert "Index" in plan and "Seq Scan" not in plan
