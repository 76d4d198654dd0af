"""A personal-data deletion request reaches the campaigns' records (customers.maintenance.deletion calls this
through its erasure hooks): the address each e-mail went to and the links it held, and the customer's feedback
comments, are blanked; who was contacted when stays, so the response figures remain right.

Kept on purpose: the suppression list (an opted-out address must stay blocked, as the law requires) and printed
letter batches (a PDF of many customers; the log counts them so the file can be destroyed with the batch)."""
from django.utils.translation import gettext_lazy as _

from customers.maintenance.deletion import ERASED_TEXT

from .models import FeedbackResponse, LetterBatchItem, OutboxMessage

# What the deletion request's page calls each count erase_customer returns.
LABELS = {
    "outbox_messages_blanked": _("Sent e-mails whose address and links were blanked: %(count)s"),
    "feedback_comments_blanked": _("Feedback comments blanked: %(count)s"),
    "letter_batches_holding_the_customer": _("Letter batches still holding the customer (destroy their printed "
                                             "files with them): %(count)s"),
}


def erase_customer(*, customer, request):
    return {
        "outbox_messages_blanked": OutboxMessage.objects.filter(customer=customer).update(to_email="", links=[]),
        "feedback_comments_blanked": FeedbackResponse.objects.filter(customer=customer).update(comment=ERASED_TEXT),
        "letter_batches_holding_the_customer": LetterBatchItem.objects.filter(customer=customer)
        .values("batch_id").distinct().count(),
    }
