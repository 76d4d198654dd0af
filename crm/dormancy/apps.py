"""The dormancy engine as its own app (label `dormancy`): it reads customers and purchases, customers never read it.

It sits above customers (crm ← customers ← dormancy ← campaigns / visits / dashboard), so what it adds to the
customers' screens goes through their registries: the card's dormancy panel and the home page's dormancy sections
are registered here.
"""
import re

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
        self.register_home_sections()
        self.register_merge_recompute()
        # A personal-data deletion request blanks the notes of confirmed reasons.
        from customers.maintenance.deletion import register_erasure_hook

        from .services import ERASURE_LABELS, erase_customer

        register_erasure_hook("dormancy", erase_customer, labels=ERASURE_LABELS)
        # A rule's history names the engine's own changes in the reader's language.
        from customers.maintenance.history import register_history_reason

        from .services import HISTORY_REASON_WORDS

        for reason, words in HISTORY_REASON_WORDS.items():
            register_history_reason(re.escape(reason), words)
        self.register_worklist_tally()

    def register_home_sections(self):
        """The home page's dormancy sections (crm/home.py): a rep's targets, the manager's status counts."""
        from crm.home import register_home_section
        from crm.roles import Role

        from . import home

        register_home_section("dormancy-targets", template="dormancy/home/my_targets.html", context=home.my_targets,
                              roles={Role.SALES_REP}, order=10)
        register_home_section("dormancy-overview", template="dormancy/home/status_overview.html",
                              context=home.status_overview, permission="dashboard.view", order=10, wide=True)

    def register_merge_recompute(self):
        """After a customer merge the survivor's verdict is recomputed by a scan queued after commit: customers
        cannot call the engine, and the scan for the same date is idempotent and rewrites only what differs."""
        from django.db import transaction

        from customers.maintenance.merge_rules import RECOMPUTE, register_merge_rule

        from . import tasks

        def rescan(*, customer_ids, as_of):
            transaction.on_commit(lambda: tasks.scan_dormancy_nightly.delay(triggered_by="merge"))

        register_merge_rule("dormancy.CustomerDormancy", "customer", RECOMPUTE, recompute=rescan)

    def register_worklist_tally(self):
        """The maintainer's worklist counts are tallied by the nightly scan (customers cannot import the pipeline):
        a step at the end, after this night's verdicts are written."""
        from customers.maintenance.tally import worklist_tally_step

        from .pipeline import register_step

        register_step(worklist_tally_step)
