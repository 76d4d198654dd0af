# Playbook rounds: a customer may be enrolled into the same playbook again once his previous round ended.
# Every existing target and per-step row becomes round 1 (the column default); the unique keys take the round.

import django.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0006_outbox_sweep_schedule'),
        ('customers', '0014_worklist_tally'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='campaigncontact',
            name='campaign_contact_step_uniq',
        ),
        migrations.RemoveConstraint(
            model_name='campaigntarget',
            name='campaign_target_uniq',
        ),
        migrations.RemoveConstraint(
            model_name='coupon',
            name='coupon_step_customer_uniq',
        ),
        migrations.RemoveConstraint(
            model_name='coupon',
            name='coupon_campaign_customer_uniq',
        ),
        migrations.RemoveConstraint(
            model_name='feedbackresponse',
            name='feedback_once_per_step',
        ),
        migrations.RemoveConstraint(
            model_name='letterbatchitem',
            name='letter_item_step_customer_uniq',
        ),
        migrations.RemoveConstraint(
            model_name='outboxmessage',
            name='outbox_step_customer_uniq',
        ),
        migrations.RemoveConstraint(
            model_name='stepexecution',
            name='step_execution_uniq',
        ),
        migrations.AddField(
            model_name='campaigncontact',
            name='round',
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name='round'),
        ),
        migrations.AddField(
            model_name='campaigntarget',
            name='round',
            field=models.PositiveSmallIntegerField(db_default=1, default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name='round'),
        ),
        migrations.AddField(
            model_name='coupon',
            name='round',
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name='round'),
        ),
        migrations.AddField(
            model_name='feedbackresponse',
            name='round',
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name='round'),
        ),
        migrations.AddField(
            model_name='letterbatchitem',
            name='round',
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name='round'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='round',
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name='round'),
        ),
        migrations.AddField(
            model_name='stepexecution',
            name='round',
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name='round'),
        ),
        migrations.AddConstraint(
            model_name='campaigncontact',
            constraint=models.UniqueConstraint(fields=('step', 'customer', 'round'), name='campaign_contact_step_uniq'),
        ),
        migrations.AddConstraint(
            model_name='campaigntarget',
            constraint=models.UniqueConstraint(fields=('campaign', 'customer', 'round'), name='campaign_target_uniq'),
        ),
        migrations.AddConstraint(
            model_name='campaigntarget',
            constraint=models.UniqueConstraint(condition=models.Q(('sequence_state', 'active')), fields=('campaign', 'customer'), name='campaign_target_one_active'),
        ),
        migrations.AddConstraint(
            model_name='coupon',
            constraint=models.UniqueConstraint(condition=models.Q(('step__isnull', False)), fields=('step', 'customer', 'round'), name='coupon_step_customer_uniq'),
        ),
        migrations.AddConstraint(
            model_name='coupon',
            constraint=models.UniqueConstraint(condition=models.Q(('campaign__isnull', False), ('step__isnull', True)), fields=('campaign', 'customer', 'round'), name='coupon_campaign_customer_uniq'),
        ),
        migrations.AddConstraint(
            model_name='feedbackresponse',
            constraint=models.UniqueConstraint(fields=('customer', 'step', 'round'), name='feedback_once_per_step'),
        ),
        migrations.AddConstraint(
            model_name='letterbatchitem',
            constraint=models.UniqueConstraint(fields=('step', 'customer', 'round'), name='letter_item_step_customer_uniq'),
        ),
        migrations.AddConstraint(
            model_name='outboxmessage',
            constraint=models.UniqueConstraint(fields=('step', 'customer', 'round'), name='outbox_step_customer_uniq'),
        ),
        migrations.AddConstraint(
            model_name='stepexecution',
            constraint=models.UniqueConstraint(fields=('step', 'customer', 'round'), name='step_execution_uniq'),
        ),
    ]
