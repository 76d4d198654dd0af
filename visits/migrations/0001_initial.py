# Visit tasks, visit logs, daily reports and suggested updates (issue 16).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('customers', '0012_list_maintenance'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='VisitSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('top_dormant_per_rep', models.PositiveSmallIntegerField(default=5, help_text='Each night every rep has an open task for at least this many of his highest-priority dormant customers.', verbose_name='top dormant customers per rep')),
                ('key_account_due_days', models.PositiveSmallIntegerField(default=3, verbose_name='days to visit a key account')),
                ('due_days', models.PositiveSmallIntegerField(default=7, verbose_name='days to contact another customer')),
                ('cooldown_days', models.PositiveSmallIntegerField(default=30, verbose_name='days before the same customer is handed out again')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'visit settings',
                'verbose_name_plural': 'visit settings',
            },
        ),
        migrations.CreateModel(
            name='DailyReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('what_happened', models.TextField(blank=True, verbose_name='what happened')),
                ('issues', models.TextField(blank=True, verbose_name='issues')),
                ('tomorrow_plan', models.TextField(blank=True, verbose_name="tomorrow's plan")),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('read', 'Read by the manager')], default='draft', max_length=10, verbose_name='state')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                ('manager_comment', models.TextField(blank=True, verbose_name="manager's comment")),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('read_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='read by')),
                ('rep', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='daily_reports', to=settings.AUTH_USER_MODEL, verbose_name='rep')),
            ],
            options={
                'verbose_name': 'daily report',
                'verbose_name_plural': 'daily reports',
                'ordering': ['-day', 'rep_id'],
            },
        ),
        migrations.CreateModel(
            name='VisitLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('visited_at', models.DateTimeField(verbose_name='date and time')),
                ('channel', models.CharField(choices=[('visit', 'Visit'), ('phone', 'Call')], max_length=10, verbose_name='channel')),
                ('purpose', models.CharField(choices=[('reactivation', 'Reactivation'), ('regular', 'Regular visit'), ('complaint', 'Complaint'), ('follow_up', 'Delivery / maintenance follow-up')], max_length=20, verbose_name='purpose')),
                ('outcome', models.CharField(choices=[('needs_found', 'Needs found'), ('quote_requested', 'Quote requested'), ('order_taken', 'Order taken'), ('no_interest', 'No interest'), ('business_closed', 'Business closed'), ('moved', 'Moved'), ('contact_left', 'Contact person left')], max_length=20, verbose_name='outcome')),
                ('notes', models.TextField(blank=True, verbose_name='notes')),
                ('next_action', models.CharField(blank=True, max_length=300, verbose_name='next action')),
                ('next_action_on', models.DateField(blank=True, null=True, verbose_name='next action on')),
                ('inferred_reason', models.CharField(blank=True, max_length=20, verbose_name='inferred reason')),
                ('confirmed_reason', models.CharField(blank=True, max_length=20, verbose_name='confirmed reason')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='customers.contact', verbose_name='contact met')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='visit_logs', to='customers.customer', verbose_name='customer')),
                ('rep', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='visit_logs', to=settings.AUTH_USER_MODEL, verbose_name='rep')),
                ('touchpoint', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.touchpoint')),
            ],
            options={
                'verbose_name': 'visit log',
                'verbose_name_plural': 'visit logs',
                'ordering': ['-visited_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='UpdateSuggestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('phone', 'Phone'), ('mobile', 'Mobile phone'), ('email', 'E-mail'), ('address', 'Address'), ('contact_person', 'Contact person'), ('business_closed', 'Business closed'), ('moved', 'Moved')], max_length=20, verbose_name='what')),
                ('proposed_value', models.CharField(blank=True, max_length=300, verbose_name='new value')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='note')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='suggested at')),
                ('state', models.CharField(choices=[('pending', 'Waiting'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], default='pending', max_length=10, verbose_name='state')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='update_suggestions', to='customers.customer', verbose_name='customer')),
                ('daily_report', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='suggestions', to='visits.dailyreport')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('suggested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='suggested by')),
                ('visit_log', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='suggestions', to='visits.visitlog')),
            ],
            options={
                'verbose_name': 'suggested update',
                'verbose_name_plural': 'suggested updates',
                'ordering': ['created_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='VisitTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('visit', 'Visit'), ('phone', 'Call')], default='visit', max_length=10, verbose_name='kind')),
                ('purpose', models.CharField(choices=[('reactivation', 'Reactivation'), ('regular', 'Regular visit'), ('complaint', 'Complaint'), ('follow_up', 'Delivery / maintenance follow-up')], default='reactivation', max_length=20, verbose_name='purpose')),
                ('due_on', models.DateField(verbose_name='due on')),
                ('state', models.CharField(choices=[('open', 'Open'), ('done', 'Done'), ('skipped', 'Skipped')], default='open', max_length=10, verbose_name='state')),
                ('skip_reason', models.CharField(blank=True, max_length=300, verbose_name='why skipped')),
                ('source', models.CharField(choices=[('nightly', 'Nightly scan'), ('campaign', 'Campaign'), ('manual', 'Assigned by a manager'), ('next_action', 'Next action of a visit')], default='manual', max_length=20, verbose_name='source')),
                ('priority', models.FloatField(blank=True, null=True, verbose_name='priority')),
                ('reason', models.CharField(blank=True, max_length=20, verbose_name='dormancy reason')),
                ('note', models.TextField(blank=True, verbose_name='what to do')),
                ('step_execution_id', models.BigIntegerField(blank=True, editable=False, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                ('assigned_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='visit_tasks', to=settings.AUTH_USER_MODEL, verbose_name='rep')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='visit_tasks', to='customers.customer', verbose_name='customer')),
            ],
            options={
                'verbose_name': 'visit task',
                'verbose_name_plural': 'visit tasks',
                'ordering': ['due_on', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='visitlog',
            name='next_task',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='visits.visittask'),
        ),
        migrations.AddField(
            model_name='visitlog',
            name='task',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='logs', to='visits.visittask'),
        ),
        migrations.AddIndex(
            model_name='dailyreport',
            index=models.Index(fields=['state', 'day'], name='daily_report_state_day_idx'),
        ),
        migrations.AddConstraint(
            model_name='dailyreport',
            constraint=models.UniqueConstraint(fields=('rep', 'day'), name='daily_report_one_per_rep_day'),
        ),
        migrations.AddIndex(
            model_name='updatesuggestion',
            index=models.Index(fields=['state', 'kind', 'created_at'], name='suggestion_state_idx'),
        ),
        migrations.AddIndex(
            model_name='visittask',
            index=models.Index(fields=['assigned_to', 'state', 'due_on'], name='visit_task_rep_state_idx'),
        ),
        migrations.AddIndex(
            model_name='visittask',
            index=models.Index(fields=['state', 'due_on'], name='visit_task_state_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='visittask',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('customer', 'purpose'), name='visit_task_one_open_per_purpose'),
        ),
        migrations.AddIndex(
            model_name='visitlog',
            index=models.Index(fields=['rep', 'visited_at'], name='visit_log_rep_time_idx'),
        ),
        migrations.AddIndex(
            model_name='visitlog',
            index=models.Index(fields=['customer', '-visited_at'], name='visit_log_customer_idx'),
        ),
    ]
