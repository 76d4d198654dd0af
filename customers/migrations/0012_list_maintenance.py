# List maintenance (issue 17): retirements, merges with their undo snapshot, review rules and flags, deletion requests.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SCHEDULE_NAME = "customers: review rules"


def create_schedule(apps, schema_editor):
    """The nightly evaluation of the review rules, after the dormancy scan (02:00); expiring so a backlog is skipped."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Tokyo"
    )
    PeriodicTask.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"task": "customers.tasks.evaluate_review_rules", "crontab": crontab, "interval": None,
                  "expire_seconds": 3 * 3600, "enabled": True,
                  "description": "Put the records the review rules match on the list maintainer's worklist."},
    )


def create_default_rules(apps, schema_editor):
    ReviewRule = apps.get_model("customers", "ReviewRule")
    for name, kind, months in (("見込み客：2年間接触なし", "prospect_no_contact", 24),
                               ("顧客：3年間購入なし", "customer_no_purchase", 36)):
        if not ReviewRule.objects.filter(kind=kind).exists():
            ReviewRule.objects.create(name=name, kind=kind, months=months)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0011_duplicates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name='ReviewRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('kind', models.CharField(choices=[('prospect_no_contact', 'Prospect with no contact for N months'), ('customer_no_purchase', 'Customer with no purchase for N months'), ('not_updated', 'Record not updated for N months'), ('source', 'Listed by a worklist source (e.g. closed business reported)')], max_length=30, verbose_name='kind')),
                ('months', models.PositiveIntegerField(blank=True, null=True, verbose_name='months')),
                ('source_key', models.CharField(blank=True, max_length=50, verbose_name='worklist source')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                'verbose_name': 'review rule',
                'verbose_name_plural': 'review rules',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='CustomerMerge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('chosen_fields', models.JSONField(default=dict, verbose_name='values kept')),
                ('snapshot', models.JSONField(default=dict, editable=False)),
                ('state', models.CharField(choices=[('done', 'Merged'), ('undone', 'Undone')], default='done', max_length=10, verbose_name='state')),
                ('merged_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='merged at')),
                ('undone_at', models.DateTimeField(blank=True, null=True, verbose_name='undone at')),
                ('duplicate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='merges_absorbed', to='customers.customer')),
                ('merged_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('survivor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='merges_survived', to='customers.customer')),
                ('undone_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'merge',
                'verbose_name_plural': 'merges',
                'ordering': ['-merged_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='DeletionRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('customer_code', models.CharField(max_length=32, verbose_name='customer code')),
                ('requested_by', models.CharField(help_text='Who asked (the person, or who spoke for the company).', max_length=200, verbose_name='requested by')),
                ('requested_on', models.DateField(verbose_name='requested on')),
                ('channel', models.CharField(blank=True, max_length=100, verbose_name='received how')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='received at')),
                ('state', models.CharField(choices=[('received', 'Received'), ('executed', 'Executed'), ('rejected', 'Rejected')], default='received', max_length=10, verbose_name='state')),
                ('executed_at', models.DateTimeField(blank=True, null=True, verbose_name='executed at')),
                ('log', models.JSONField(default=dict, editable=False)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deletion_requests', to='customers.customer')),
                ('executed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('received_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'deletion request',
                'verbose_name_plural': 'deletion requests',
                'ordering': ['-received_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='CustomerRetirement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('retire', 'Retired'), ('unretire', 'Brought back')], max_length=10, verbose_name='action')),
                ('previous_lifecycle', models.CharField(blank=True, max_length=10, verbose_name='previous lifecycle')),
                ('reason', models.CharField(blank=True, max_length=300, verbose_name='reason')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='retirements', to='customers.customer')),
            ],
            options={
                'verbose_name': 'retirement',
                'verbose_name_plural': 'retirements',
                'ordering': ['-at', '-pk'],
                'indexes': [models.Index(fields=['customer', '-at'], name='retirement_customer_at_idx')],
            },
        ),
        migrations.CreateModel(
            name='ReviewFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('flagged_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='flagged at')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved at')),
                ('resolution', models.CharField(blank=True, choices=[('retired', 'Retired'), ('kept', 'Kept')], max_length=10, verbose_name='resolution')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='review_flags', to='customers.customer')),
                ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='flags', to='customers.reviewrule')),
            ],
            options={
                'verbose_name': 'review flag',
                'verbose_name_plural': 'review flags',
                'constraints': [models.UniqueConstraint(condition=models.Q(('resolved_at__isnull', True)), fields=('customer', 'rule'), name='review_flag_open_uniq')],
            },
        ),
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.RunPython(create_default_rules, migrations.RunPython.noop),
    ]
