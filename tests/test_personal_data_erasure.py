"""A personal-data deletion request reaches every app's records of the customer (the erasure hooks registered by
dormancy, campaigns and visits), and the request's log says how many rows each blanked."""
import datetime

import pytest

from campaigns import services as campaign_services
from campaigns.models import Campaign, FeedbackResponse, OutboxMessage
from crm.dormancy.models import ConfirmedReason
from crm.dormancy.services import confirmed_reason_record
from customers.maintenance.deletion import ERASED_TEXT, deletion_request_execute, deletion_request_receive
from customers.tests.factories import CustomerFactory
from visits.models import UpdateSuggestion, VisitLog, VisitTask
from visits.services import visit_log_record

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 1)


def test_erasure_blanks_what_every_app_wrote_about_the_customer(maintainer, manager, rep):
    customer = CustomerFactory(name="山田太郎", assigned_rep=rep, email="taro@example.jp", has_email_consent=True)
    confirmed_reason_record(customer=customer, reason="price", note="奥様が値上げに怒っていた", by=rep,
                            source="visit")
    visit_log_record(customer=customer, by=rep, channel="visit", purpose="reactivation", outcome="needs_found",
                     notes="山田様のご自宅で面談", next_action="見積を持参", next_action_on=TODAY,
                     new_phone="090-9999-0000")
    campaign = campaign_services.campaign_create(by=manager, name="秋", starts_on=TODAY, ends_on=TODAY,
                                                 channel=Campaign.Channel.EMAIL,
                                                 approach=Campaign.Approach.EVERYONE)
    step = campaign.steps.get()
    OutboxMessage.objects.create(step=step, campaign=campaign, customer=customer, to_email="taro@example.jp",
                                 links=["https://example.jp/?u=taro"], state="sent")
    FeedbackResponse.objects.create(customer=customer, campaign=campaign, step=step, reason="price",
                                    comment="高い。山田")

    request = deletion_request_receive(customer=customer, requested_by="本人", requested_on=TODAY, channel="電話",
                                       by=maintainer)
    done = deletion_request_execute(request=request, by=maintainer)

    assert ConfirmedReason.objects.get(customer=customer).note == ERASED_TEXT
    assert all(row.note == ERASED_TEXT for row in ConfirmedReason.history.filter(customer_id=customer.pk))
    assert VisitLog.objects.get(customer=customer).notes == ERASED_TEXT
    assert set(VisitTask.objects.filter(customer=customer).values_list("note", flat=True)) == {""}
    assert set(UpdateSuggestion.objects.filter(customer=customer).values_list("proposed_value", flat=True)) == {""}
    message = OutboxMessage.objects.get(customer=customer)
    assert (message.to_email, message.links, message.state) == ("", [], "sent")  # who was contacted stays
    assert FeedbackResponse.objects.get(customer=customer).comment == ERASED_TEXT
    assert done.log["dormancy"] == {"confirmed_reason_notes_blanked": 1}
    assert done.log["campaigns"]["outbox_messages_blanked"] == 1
    assert done.log["visits"]["visit_logs_blanked"] == 1
