from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0002_steps_and_sequences"),
    ]

    operations = []
