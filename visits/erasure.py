"""A personal-data deletion request reaches the field-sales records too (customers.maintenance.deletion calls this
through its erasure hooks): what reps wrote about the customer is blanked; the tasks and logs stay as counts
(who visited when, with what outcome), so coverage and outcome figures remain right."""
from customers.maintenance.deletion import ERASED_TEXT

from .models import UpdateSuggestion, VisitLog, VisitTask


def erase_customer(*, customer, request):
    return {
        "visit_tasks_blanked": VisitTask.objects.filter(customer=customer).update(note="", skip_reason=""),
        "visit_logs_blanked": VisitLog.objects.filter(customer=customer).update(notes=ERASED_TEXT, next_action=""),
        "suggestions_blanked": UpdateSuggestion.objects.filter(customer=customer).update(proposed_value="",
                                                                                       note=""),
    }
