import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0002_steps_and_sequences"),
        ("customers", "0010_importbatch_private_file_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Coupon',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(blank=True, max_length=100, verbose_name='category')),
                ('min_quantity', models.DecimalField(decimal_places=2, default=1, max_digits=8, validators=[django.core.validators.MinValueValidator(1)], verbose_name='minimum quantity')),
                ('discount_kind', models.CharField(choices=[('percent', 'Percent off'), ('yen', 'Yen off')], default='percent', max_length=10, verbose_name='discount')),
                ('discount_value', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='discount (percent or yen)')),
                ('code', models.CharField(max_length=16, unique=True, verbose_name='code')),
                ('source', models.CharField(choices=[('campaign', 'Campaign'), ('order_entry', 'Order entry')], default='campaign', max_length=12, verbose_name='issued by')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('valid_until', models.DateField(verbose_name='valid until')),
                ('state', models.CharField(choices=[('issued', 'Issued'), ('redeemed', 'Redeemed'), ('expired', 'Expired'), ('cancelled', 'Cancelled')], default='issued', max_length=10, verbose_name='state')),
                ('issued_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='issued at')),
                ('redeemed_on', models.DateField(blank=True, null=True, verbose_name='redeemed on')),
                ('redeemed_at', models.DateTimeField(blank=True, null=True)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('campaign', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='coupons', to='campaigns.campaign', verbose_name='campaign')),
                ('customer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='coupons', to='customers.customer', verbose_name='customer')),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by')),
                ('product', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='customers.product', verbose_name='product')),
                ('redeemed_purchase', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='redeemed_coupon', to='customers.purchase', verbose_name='purchase')),
                ('step', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='coupons', to='campaigns.campaignstep', verbose_name='step')),
            ],
            options={
                'verbose_name': 'coupon',
                'verbose_name_plural': 'coupons',
                'ordering': ['-issued_at', '-pk'],
                'indexes': [models.Index(fields=['customer', 'state'], name='coupon_customer_state_idx'), models.Index(fields=['state', 'valid_until'], name='coupon_state_until_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('category', ''), ('product__isnull', False)), models.Q(('product__isnull', True), models.Q(('category', ''), _negated=True)), _connector='OR'), name='coupon_one_target'), models.CheckConstraint(condition=models.Q(('valid_until__gte', models.F('valid_from'))), name='coupon_validity_ordered'), models.UniqueConstraint(condition=models.Q(('step__isnull', False)), fields=('step', 'customer'), name='coupon_step_customer_uniq'), models.UniqueConstraint(condition=models.Q(('campaign__isnull', False), ('step__isnull', True)), fields=('campaign', 'customer'), name='coupon_campaign_customer_uniq'), models.UniqueConstraint(condition=models.Q(('source', 'order_entry'), ('state', 'issued')), fields=('customer',), name='coupon_order_entry_open_uniq')],
            },
        ),
        migrations.CreateModel(
            name='CouponOffer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(blank=True, max_length=100, verbose_name='category')),
                ('min_quantity', models.DecimalField(decimal_places=2, default=1, max_digits=8, validators=[django.core.validators.MinValueValidator(1)], verbose_name='minimum quantity')),
                ('discount_kind', models.CharField(choices=[('percent', 'Percent off'), ('yen', 'Yen off')], default='percent', max_length=10, verbose_name='discount')),
                ('discount_value', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='discount (percent or yen)')),
                ('valid_days', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(366)], verbose_name='valid for (days)')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name='valid until')),
                ('product', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='customers.product', verbose_name='product')),
                ('step', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='coupon_offer', to='campaigns.campaignstep', verbose_name='step')),
            ],
            options={
                'verbose_name': 'coupon offer',
                'verbose_name_plural': 'coupon offers',
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('category', ''), ('product__isnull', False)), models.Q(('product__isnull', True), models.Q(('category', ''), _negated=True)), _connector='OR'), name='coupon_offer_one_target'), models.CheckConstraint(condition=models.Q(('valid_days__isnull', False), ('valid_until__isnull', False), _connector='OR'), name='coupon_offer_has_validity')],
            },
        ),
    ]
