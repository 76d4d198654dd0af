"""A personal-data deletion request reaches the field-sales records too (customers.maintenance.deletion calls this
through its erasure hooks): what reps wrote about the customer is blanked; the tasks and logs stay as counts
(who visited when, with what outcome), so coverage and outcome figures remain right."""
from django.utils.translation import gettext_lazy as _

from customers.maintenance.deletion import ERASED_TEXT

from .models import UpdateSuggestion, VisitLog, VisitTask

# What the deletion request's page calls each count erase_customer returns.
LABELS = {
    "visit_tasks_blanked": _("Visit task notes blanked: %(count)s"),
    "visit_logs_blanked": _("Visit log notes blanked: %(count)s"),
    "suggestions_blanked": _("Update suggestions from reps blanked: %(count)s"),
}


def erase_customer(*, customer, request):
    return {
        "visit_tasks_blanked": VisitTask.objects.filter(customer=customer).update(note="", skip_reason=""),
        "visit_logs_blanked": VisitLog.objects.filter(customer=customer).update(notes=ERASED_TEXT, next_action=""),
        "suggestions_blanked": UpdateSuggestion.objects.filter(customer=customer).update(proposed_value="",
                                                                                       note=""),
    }
