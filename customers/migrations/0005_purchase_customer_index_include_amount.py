"""(customer, purchased_on) index of purchases gets INCLUDE (amount) on PostgreSQL: the summary refresh after an
import then reads only this index for the affected customers (index-only scan) instead of fetching one random
heap page per purchase line. The new index is built before the old one is dropped, so queries always have one.
On a large live table build it by hand first with CREATE INDEX CONCURRENTLY under the same name.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0004_customer_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="purchase",
            index=models.Index(
                fields=["customer", "purchased_on"], include=["amount"], name="purchase_customer_on_amt_idx"
            ),
        ),
        migrations.RemoveIndex(model_name="purchase", name="purchase_customer_on_idx"),
    ]
