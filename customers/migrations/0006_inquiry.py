"""Web inquiries kept as typed: an inquiry matching a known customer waits for review instead of changing the record;
one that created a prospect carries the double opt-in confirmation time."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_purchase_customer_index_include_amount'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Inquiry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('company', models.CharField(blank=True, max_length=200, verbose_name='company name')),
                ('email', models.EmailField(max_length=254, verbose_name='e-mail')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='phone')),
                ('message', models.TextField(verbose_name='message')),
                ('asked_for_email_consent', models.BooleanField(default=False, verbose_name='asked to receive e-mail')),
                ('submitted_from_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='sent from IP address')),
                ('matched_by', models.CharField(blank=True, choices=[('', 'No match'), ('email', "Customer's e-mail address"), ('contact_email', "A contact's e-mail address"), ('phone', "Customer's phone number"), ('contact_phone', "A contact's phone number")], max_length=20, verbose_name='matched by')),
                ('state', models.CharField(choices=[('unverified', 'Unverified (awaiting review)'), ('new_prospect', 'Created a new prospect'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], db_index=True, max_length=20, verbose_name='state')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed at')),
                ('rejection_reason', models.CharField(blank=True, choices=[('', '-'), ('spam', 'Spam'), ('not_this_customer', 'Not from this customer')], max_length=20, verbose_name='rejection reason')),
                ('consent_confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='consent confirmed at')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='received at')),
                ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='inquiries', to='customers.customer', verbose_name='customer')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
                ('touchpoint', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='inquiry', to='customers.touchpoint')),
            ],
            options={
                'verbose_name': 'web inquiry',
                'verbose_name_plural': 'web inquiries',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['customer', 'state'], name='inquiry_customer_state_idx')],
            },
        ),
    ]
