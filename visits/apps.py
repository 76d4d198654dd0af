"""Field sales (label `visits`): tasks for reps, visit logs, daily reports, suggested updates, manager views.

It sits above dormancy (crm ← customers ← dormancy ← campaigns / visits), so it fills the lower apps' registries
from ready(): the nightly scan's step, the customer card's panel, the rep's home section, the campaign
channels "phone" and "visit", and the list maintainer's worklist (suggestions waiting, customers reported closed
or moved).
"""
import re

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self):
        from campaigns.channels import register_channel_handler
        from crm.dormancy.pipeline import register_step
        from crm.home import register_home_section
        from crm.roles import Role
        from customers.panels import register_card_panel
        from customers.worklist import register_worklist_source

        from . import pipeline, selectors, worklist_sources

        register_step(pipeline.nightly_visit_tasks, after="record_changes")
        register_card_panel("visits", template="visits/partials/customer_panel.html", context=selectors.customer_panel,
                            order=30)
        register_home_section("visits-today", template="visits/home/today.html", context=selectors.home_today,
                              roles={Role.SALES_REP}, order=5)
        register_channel_handler("phone", pipeline.campaign_step_tasks)
        register_channel_handler("visit", pipeline.campaign_step_tasks)
        worklist_sources.register(register_worklist_source)
        # A personal-data deletion request blanks what reps wrote about the customer.
        from customers.maintenance.deletion import register_erasure_hook

        from . import erasure

        register_erasure_hook("visits", erasure.erase_customer, labels=erasure.LABELS)
        # The customer's history names an accepted suggestion in the reader's language.
        from customers.maintenance.history import register_history_reason

        from . import suggestions

        register_history_reason(re.escape(suggestions.HISTORY_REASON), suggestions.HISTORY_REASON_WORDS)
