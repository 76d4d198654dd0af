"""The frequency cap's count, kept ready (campaigns.caps): who had as many contacts through a channel as the cap
allows, as of the last count.

Counting every customer's contacts of the last 180 days was a third of each segment preview at 1,000,000
customers (bench/bench_segments.py). A customer's count in a window that slides forward only falls while nobody
contacts him, so the count is kept as the dates it falls at: the date of his N-th most recent contact. Contacts
made since the count are checked customer by customer (campaigns.segments.frequency_capped_q).
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Touchpoint


class ContactCapCount(models.Model):
    """When the cap was last counted for everyone, and under which cap: one row (pk=1). Without it, or when the
    manager has changed the cap since, the cap is counted from the touchpoints at each question."""

    counted_at = models.DateTimeField(_("counted at"))
    max_contacts_30d = models.PositiveSmallIntegerField(_("contacts per 30 days and channel"))
    max_contacts_180d = models.PositiveSmallIntegerField(_("contacts per 180 days and channel"))

    class Meta:
        verbose_name = _("frequency cap count")
        verbose_name_plural = _("frequency cap counts")

    def __str__(self):
        return f"{self.counted_at:%Y-%m-%d %H:%M} ({self.max_contacts_30d}/30d, {self.max_contacts_180d}/180d)"


class ContactCap(models.Model):
    """One customer's contacts through one channel, as of ContactCapCount.counted_at: the dates his count in each
    window falls below the cap (the N-th most recent contact; at the cap while it is inside the window)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=Touchpoint.Channel.choices)
    # The contact that is max_contacts_30d-th (…180d-th) most recent; NULL: fewer contacts than that.
    nth_30d_at = models.DateTimeField(null=True)
    nth_180d_at = models.DateTimeField(null=True)
    # The customer has a contact dated after the count (entered ahead): checked contact by contact.
    recheck = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("frequency cap of a customer")
        verbose_name_plural = _("frequency caps of customers")
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="contact_cap_customer_channel")]
        # The few rows to recheck, found without reading the others (every preview asks).
        indexes = [models.Index(fields=["channel", "customer"], condition=models.Q(recheck=True),
                                name="contact_cap_recheck_idx")]

    def __str__(self):
        return f"{self.customer_id} {self.channel}"
