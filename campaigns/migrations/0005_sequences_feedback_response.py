import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0004_delivery"),
        ("customers", "0010_importbatch_private_file_names"),
    ]

    operations = [
        migrations.CreateModel(
            name='FeedbackResponse',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('product', 'Product dissatisfaction'), ('price', 'Price'), ('customer_side', "Change on the customer's side"), ('moved', 'Moved'), ('closed', 'Business closed'), ('other', 'Other')], max_length=20, verbose_name='why the customer stopped buying')),
                ('comment', models.TextField(blank=True, verbose_name='comment')),
                ('wants_call', models.BooleanField(default=False, verbose_name='would like a call')),
                ('answered_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='answered at')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='feedback_responses', to='campaigns.campaign')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer')),
                ('step', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='feedback_responses', to='campaigns.campaignstep')),
                ('touchpoint', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='customers.touchpoint')),
            ],
            options={
                'verbose_name': 'feedback answer',
                'verbose_name_plural': 'feedback answers',
                'indexes': [models.Index(fields=['campaign', 'answered_at'], name='feedback_campaign_idx')],
                'constraints': [models.UniqueConstraint(fields=('customer', 'step'), name='feedback_once_per_step')],
            },
        ),
    ]
