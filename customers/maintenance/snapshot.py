"""Rows as exact JSON (every field, datetimes to the microsecond) and back, for the merge's snapshot and undo.

Django's JSON serializer rounds datetimes to milliseconds; an undo must put back what was there, so rows are
serialized with the "python" serializer and a JSON encoder that keeps full precision, and restored with raw saves
(no signals' side effects such as new history rows, no auto_now).
"""
import datetime
import decimal
import json
import uuid

from django.core import serializers
from django.db import router
from django.db.models.deletion import Collector


class ExactEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.date | datetime.time):
            return o.isoformat()
        if isinstance(o, decimal.Decimal | uuid.UUID):
            return str(o)
        return super().default(o)


def rows_to_json(queryset):
    """[{"model": label, "pk": …, "fields": {…}}] of the queryset's rows, JSON-safe and exact.

    Many-to-many fields are left out: their through rows are relations of their own (the merge moves the tag rows).
    """
    m2m = {f.name for f in queryset.model._meta.many_to_many}
    rows = serializers.serialize("python", queryset.order_by("pk"))
    for row in rows:
        for name in m2m:
            row["fields"].pop(name, None)
    return json.loads(json.dumps(rows, cls=ExactEncoder))


def restore_rows(rows):
    """Insert or overwrite the serialized rows as they were (raw saves keep every value and write no history)."""
    for obj in serializers.deserialize("python", rows):
        obj.save()


def delete_with_snapshot(queryset):
    """Delete the rows and return them, with every row the deletion cascades to or nulls, as they were.

    Django's deletion collector finds the cascade (a campaign target's step executions …), so an undo can put
    back everything a merge removed, not only the rows it asked to remove.
    """
    if not queryset.exists():
        return []
    collector = Collector(using=router.db_for_write(queryset.model), origin=queryset)
    collector.collect(queryset)
    rows = []
    for qs in collector.fast_deletes:
        rows += rows_to_json(qs)
    for model, instances in collector.data.items():
        rows += rows_to_json(model._base_manager.filter(pk__in=[obj.pk for obj in instances]))
    for (field, _value), batches in collector.field_updates.items():
        for batch in batches:
            pks = batch.values_list("pk", flat=True) if hasattr(batch, "values_list") else [obj.pk for obj in batch]
            rows += rows_to_json(field.model._base_manager.filter(pk__in=list(pks)))
    collector.delete()
    return rows
