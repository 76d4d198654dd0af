"""The dormancy engine as its own app (label `dormancy`): it reads customers and purchases, customers never read it.

It sits above customers (crm ← customers ← dormancy ← campaigns / visits / dashboard), so what it adds to the
customers' screens goes through their registries: the card's dormancy panel is registered here.
"""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DormancyConfig(AppConfig):
    name = "crm.dormancy"
    label = "dormancy"
    verbose_name = _("Dormancy engine")

    def ready(self):
        from customers.panels import register_card_panel

        from . import selectors

        register_card_panel(
            "dormancy", template="dormancy/partials/customer_dormancy.html",
            context=selectors.customer_dormancy_panel, permission="dormancy.view", order=10,
        )
