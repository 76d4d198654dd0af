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
def test_each_missing_data_count_reads_its_partial_index_on_postgres(db, key):
    from django.db import connection

    CustomerFactory.create_batch(3)
    live = Customer.objects.filter(merged_into__isnull=True).exclude(lifecycle=Customer.Lifecycle.RETIRED)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = live.filter(MISSING_CONDITIONS[key]).order_by("code").explain()
        cursor.execute("SET enable_seqscan = on")
    assert f"customer_missing_{key}_idx" in plan
