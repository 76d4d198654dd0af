from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0010_importbatch_private_file_names"),
    ]

    operations = []
