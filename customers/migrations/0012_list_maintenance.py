from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0011_duplicates"),
    ]

    operations = []
