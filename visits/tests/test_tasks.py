"""Tasks other parts of the product ask for (a feedback answer, a click): the rep's, one open per purpose."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from crm.permissions import Refused
from visits.models import VisitTask
from visits.services import visit_task_request

from .support import customer

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 27)


def test_the_task_goes_to_the_customers_rep_with_the_dormancy_priority(rep):
    c = customer("甲", rep=rep, status="dormant", priority=55.0)
    task, created = visit_task_request(customer=c, kind="phone", purpose="reactivation", due_on=TODAY,
                                       source="campaign", note="クリックあり")
    assert created and (task.assigned_to, task.priority, task.reason, task.note) == (rep, 55.0, "price", "クリックあり")


def test_an_open_task_of_the_same_purpose_is_brought_forward_not_doubled(rep):
    c = customer("甲", rep=rep)
    first, _ = visit_task_request(customer=c, kind="phone", purpose="reactivation", due_on=TODAY, source="nightly")
    again, created = visit_task_request(customer=c, kind="phone", purpose="reactivation",
                                        due_on=TODAY - datetime.timedelta(days=3), source="campaign", note="回答あり")
    assert not created and again.pk == first.pk
    again.refresh_from_db()
    assert (again.due_on, again.note) == (TODAY - datetime.timedelta(days=3), "回答あり")
    assert VisitTask.objects.count() == 1


def test_a_rep_may_ask_only_for_his_own_accounts(rep, other_rep):
    c = customer("甲", rep=other_rep)
    with pytest.raises(Refused):
        visit_task_request(customer=c, kind="phone", purpose="reactivation", due_on=TODAY, source="campaign",
                           by=rep)


def test_a_customer_without_a_rep_needs_someone_to_give_it_to(maintainer):
    c = customer("甲")
    with pytest.raises(ValidationError):
        visit_task_request(customer=c, kind="phone", purpose="reactivation", due_on=TODAY, source="campaign")
    task, _ = visit_task_request(customer=c, kind="phone", purpose="reactivation", due_on=TODAY, source="campaign",
                                 by=maintainer)
    assert task.assigned_to == maintainer
