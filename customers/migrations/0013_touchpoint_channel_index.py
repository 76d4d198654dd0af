# The campaigns' frequency cap reads a channel's contacts per customer from this index alone (issue 14, speed).
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0012_list_maintenance"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="touchpoint",
            index=models.Index(fields=["channel", "customer", "occurred_at"], name="touchpoint_channel_cust_idx"),
        ),
    ]
