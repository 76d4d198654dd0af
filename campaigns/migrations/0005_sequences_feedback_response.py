from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0004_delivery"),
    ]

    operations = []
