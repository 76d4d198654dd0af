"""Plug coupons into the lower apps' registries; called once from CampaignsConfig.ready()."""


def connect():
    from crm.dormancy.pipeline import register_step
    from customers.panels import register_card_panel
    from customers.purchases import coupon_hooks

    from ..delivery.merge import register_merge_fields
    from . import hooks, merge_fields, panel, services

    coupon_hooks.register_coupon_validator(hooks.coupon_code_problem)
    coupon_hooks.register_purchase_hook(hooks.redeem_entered)
    coupon_hooks.register_import_hook(hooks.redeem_imported)
    # The nightly scan marks coupons past their last day as expired (one UPDATE).
    register_step(services.expire_coupons_step)
    # The card: the customer's coupons, and the order-entry proposal for a regular customer.
    register_card_panel("coupons", template="campaigns/coupons/card_panel.html", context=panel.coupons_card_panel,
                        permission="customers.view", order=8)
    # {{ coupon_code }}, {{ coupon_expires_on }}, {{ coupon_offer }} in letters and e-mails.
    register_merge_fields(merge_fields.coupon_fields_for)
