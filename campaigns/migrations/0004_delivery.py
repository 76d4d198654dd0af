"""Delivery: the e-mail outbox, clicks, suppressions and letter batches (campaigns.models.delivery)."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0003_coupons'),
        ('customers', '0010_importbatch_private_file_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='EmailSuppression',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email_key', models.CharField(max_length=254, unique=True, verbose_name='e-mail')),
                ('reason', models.CharField(choices=[('bounce', 'Hard bounce'), ('complaint', 'Spam complaint'), ('unsubscribe', 'Unsubscribed'), ('manual', 'Added by staff')], max_length=12, verbose_name='reason')),
                ('source', models.CharField(blank=True, max_length=100, verbose_name='source')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='suppressed at')),
            ],
            options={
                'verbose_name': 'e-mail suppression',
                'verbose_name_plural': 'e-mail suppressions',
            },
        ),
        migrations.CreateModel(
            name='LetterBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('open', 'Collecting letters'), ('rendering', 'Rendering'), ('ready', 'Ready to print'), ('posted', 'Posted'), ('failed', 'Rendering failed')], default='open', max_length=10, verbose_name='state')),
                ('label_layout', models.PositiveSmallIntegerField(choices=[(12, '12 labels per A4 sheet'), (24, '24 labels per A4 sheet')], default=12, verbose_name='labels')),
                ('include_staff_profile', models.BooleanField(default=False, verbose_name='include the staff profile section')),
                ('file', models.FileField(blank=True, upload_to='letters/')),
                ('progress_done', models.PositiveIntegerField(default=0)),
                ('progress_total', models.PositiveIntegerField(default=0)),
                ('letters_count', models.PositiveIntegerField(default=0, verbose_name='letters')),
                ('undeliverable_count', models.PositiveIntegerField(default=0, verbose_name='without a deliverable address')),
                ('error', models.CharField(blank=True, max_length=300, verbose_name='error')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at')),
                ('rendered_at', models.DateTimeField(blank=True, null=True, verbose_name='rendered at')),
                ('posted_at', models.DateTimeField(blank=True, null=True, verbose_name='posted at')),
                ('posted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('rendered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('step', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='letter_batches', to='campaigns.campaignstep')),
            ],
            options={
                'verbose_name': 'letter batch',
                'verbose_name_plural': 'letter batches',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='LetterBatchItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(blank=True, null=True)),
                ('problem', models.CharField(blank=True, max_length=30, verbose_name='problem')),
                ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='campaigns.letterbatch')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer')),
                ('execution', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='campaigns.stepexecution')),
                ('step', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaignstep')),
            ],
            options={
                'verbose_name': 'letter',
                'verbose_name_plural': 'letters',
                'ordering': ['batch', 'position', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('suppressed', 'Suppressed')], default='queued', max_length=10, verbose_name='state')),
                ('to_email', models.CharField(blank=True, max_length=254, verbose_name='to')),
                ('links', models.JSONField(blank=True, default=list)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('claim_token', models.CharField(blank=True, max_length=32)),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('opened_at', models.DateTimeField(blank=True, null=True, verbose_name='first opened at')),
                ('last_error', models.CharField(blank=True, max_length=300, verbose_name='error')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer')),
                ('execution', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='campaigns.stepexecution')),
                ('step', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outbox', to='campaigns.campaignstep')),
            ],
            options={
                'verbose_name': 'outbox message',
                'verbose_name_plural': 'outbox messages',
            },
        ),
        migrations.CreateModel(
            name='EmailClick',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=1000, verbose_name='link')),
                ('clicked_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='clicked at')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer')),
                ('step', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clicks', to='campaigns.campaignstep')),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clicks', to='campaigns.outboxmessage')),
            ],
            options={
                'verbose_name': 'e-mail click',
                'verbose_name_plural': 'e-mail clicks',
            },
        ),
        migrations.AddConstraint(
            model_name='letterbatch',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('step',), name='letter_batch_one_open_per_step'),
        ),
        migrations.AddConstraint(
            model_name='letterbatchitem',
            constraint=models.UniqueConstraint(fields=('step', 'customer'), name='letter_item_step_customer_uniq'),
        ),
        migrations.AddIndex(
            model_name='outboxmessage',
            index=models.Index(fields=['state', 'claimed_at'], name='outbox_state_claimed_idx'),
        ),
        migrations.AddIndex(
            model_name='outboxmessage',
            index=models.Index(fields=['step', 'state'], name='outbox_step_state_idx'),
        ),
        migrations.AddConstraint(
            model_name='outboxmessage',
            constraint=models.UniqueConstraint(fields=('step', 'customer'), name='outbox_step_customer_uniq'),
        ),
        migrations.AddIndex(
            model_name='emailclick',
            index=models.Index(fields=['customer', 'clicked_at'], name='email_click_customer_idx'),
        ),
        migrations.AddIndex(
            model_name='emailclick',
            index=models.Index(fields=['step', 'customer'], name='email_click_step_idx'),
        ),
        migrations.AddIndex(
            model_name='emailclick',
            index=models.Index(fields=['clicked_at'], name='email_click_time_idx'),
        ),
    ]
