from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self):
        from crm.dormancy.pipeline import register_step

        from . import nightly

        # Playbook enrolment and the sequences' advance, in the scan's transaction once the new statuses are written.
        register_step(nightly.campaign_sequences, after="record_changes")
        # The frequency cap's count: recounted after each scan, and for a customer whose contacts change.
        from . import caps

        caps.connect()
        # The customer card: his campaigns, steps, contacts and feedback answers.
        from customers.panels import register_card_panel

        from .sequence_selectors import customer_campaigns_panel

        register_card_panel("campaigns", template="campaigns/partials/customer_campaigns.html",
                            context=customer_campaigns_panel, order=40)
        # Coupons: purchase entry/import hooks, the card's panel, the nightly expiry.
        from .coupons.setup import connect as connect_coupons

        connect_coupons()
        # Delivery: e-mails through the outbox, letters into the step's print batch; bounce webhooks if anymail is.
        from .delivery.setup import connect as connect_delivery

        connect_delivery()
        # {{ feedback_url }} in a step's text: the customer's own signed link to the feedback form.
        from .delivery.merge import register_merge_fields
        from .feedback import feedback_fields_for

        register_merge_fields(feedback_fields_for)
        # A personal-data deletion request blanks the addresses e-mails went to and the feedback comments.
        from customers.maintenance.deletion import register_erasure_hook

        from . import erasure

        register_erasure_hook("campaigns", erasure.erase_customer, labels=erasure.LABELS)
