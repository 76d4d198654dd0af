from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        # The home page's sections of the customer master (see crm/home.py and customers/home.py).
        from crm.home import register_home_section
        from crm.roles import Role
        from customers.panels import register_card_panel
        from customers.purchases.card_panel import purchases_card_panel

        from . import home

        # The purchases panel comes before the engines' panels (dormancy registers order 10).
        register_card_panel("purchases", template="customers/partials/card_purchases_panel.html",
                            context=purchases_card_panel, permission="purchases.view", order=5)
        # List maintenance: completeness, retirement, merges and the maintainer's actions (customers.maintenance).
        from customers.maintenance.card_panel import maintenance_card_panel

        register_card_panel("maintenance", template="customers/maintenance/card_panel.html",
                            context=maintenance_card_panel, order=90)

        rep, maintainer = {Role.SALES_REP}, {Role.LIST_MAINTAINER}
        register_home_section("phone-lookup", template="customers/home/phone_lookup.html", context=home.phone_lookup,
                              roles=rep, order=0, wide=True)
        register_home_section("touchpoints", template="customers/home/recent_touchpoints.html",
                              context=home.my_recent_touchpoints, roles=rep, order=30)
        register_home_section("data-quality", template="customers/home/data_quality.html", context=home.data_quality,
                              roles=maintainer, order=10)
        register_home_section("imports", template="customers/home/latest_imports.html", context=home.latest_imports,
                              roles=maintainer, order=20)
