"""The feedback request: a signed link to a public form, answered once; tampered or expired links refused."""
import datetime

import pytest
import time_machine
from django.urls import reverse

from campaigns import feedback, services
from campaigns.models import Campaign, CampaignStep, FeedbackResponse
from crm.dormancy.models import ConfirmedReason
from customers.models import Touchpoint
from visits.models import VisitTask

from .support import customer

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def request_step(manager):
    campaign = services.campaign_create(by=manager, name="ご意見", starts_on=D(2026, 5, 1), ends_on=D(2026, 6, 30),
                                        channel=Campaign.Channel.DM, approach=Campaign.Approach.EVERYONE)
    return CampaignStep.objects.get(campaign=campaign, position=1)


def test_an_answer_lands_on_the_timeline_confirms_the_reason_and_asks_the_rep_to_call(client, request_step, rep):
    c = customer(assigned_rep=rep)
    url = feedback.feedback_url(customer_id=c.pk, step_id=request_step.pk)
    page = client.get(url)  # no login: the signature is the proof
    assert page.status_code == 200 and "feedback-form" in page.content.decode()
    answered = client.post(url, {"reason": "price", "comment": "高くなった", "wants_call": "on"})
    assert "feedback-thanks" in answered.content.decode()
    response = FeedbackResponse.objects.get(customer=c)
    assert (response.reason, response.comment, response.wants_call) == ("price", "高くなった", True)
    touchpoint = Touchpoint.objects.get(customer=c)
    assert touchpoint.channel == "web" and "高くなった" in touchpoint.summary and response.touchpoint == touchpoint
    confirmed = ConfirmedReason.objects.get(customer=c)
    assert (confirmed.reason, confirmed.source, confirmed.confirmed_by) == ("price", "feedback", None)
    task = VisitTask.objects.get(customer=c)
    assert (task.assigned_to, task.kind, task.state, task.source) == (rep, "phone", "open", "campaign")
    assert "高くなった" in task.note


def test_a_link_is_answered_once(client, request_step):
    c = customer()
    url = feedback.feedback_url(customer_id=c.pk, step_id=request_step.pk)
    client.post(url, {"reason": "product"})
    again = client.post(url, {"reason": "price"})
    assert "feedback-already" in again.content.decode()
    assert "feedback-already" in client.get(url).content.decode()
    assert list(FeedbackResponse.objects.values_list("reason", flat=True)) == ["product"]
    assert ConfirmedReason.objects.get(customer=c).reason == "product"
    with pytest.raises(feedback.AlreadyAnswered):
        feedback.feedback_answer_record(customer=c, step=request_step, reason="price")


def test_a_tampered_link_is_refused(client, request_step):
    c, other = customer(), customer()
    token = feedback.feedback_token(customer_id=c.pk, step_id=request_step.pk)
    forged = feedback.feedback_token(customer_id=other.pk, step_id=request_step.pk)
    tampered = token.split(":")[0] + ":" + forged.split(":", 1)[1]
    for bad in (tampered, token[:-2] + "xx", "not-a-token"):
        page = client.post(reverse("campaigns:feedback", args=[bad]), {"reason": "price"})
        assert page.status_code == 400 and "feedback-link-invalid" in page.content.decode()
    # A token signed with another salt (e.g. the inquiry's consent link) is no feedback link either.
    from django.core import signing
    foreign = signing.dumps({"c": c.pk, "s": request_step.pk}, salt="something-else", compress=True)
    assert client.get(reverse("campaigns:feedback", args=[foreign])).status_code == 400
    assert not FeedbackResponse.objects.exists()


def test_an_expired_link_is_refused_with_its_own_message(client, request_step):
    c = customer()
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), tick=False):
        url = feedback.feedback_url(customer_id=c.pk, step_id=request_step.pk)
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
                             + datetime.timedelta(days=feedback.FEEDBACK_LINK_DAYS + 1), tick=False):
        page = client.post(url, {"reason": "price"})
    assert page.status_code == 400
    assert "expired" in page.content.decode() or "期限" in page.content.decode()
    assert not FeedbackResponse.objects.exists()


def test_a_step_that_uses_feedback_url_gives_each_customer_his_own_working_link(client, request_step, settings):
    from campaigns.delivery import merge

    settings.MEZAME_SITE_URL = "https://crm.example.jp"
    a, b = customer(), customer()
    request_step.body = "{{ addressee }}\nご意見をお聞かせください: {{ feedback_url }}\n{{ sender_company }}"
    request_step.save(update_fields=["body"])
    values = merge.fields_for(request_step, [a.pk, b.pk])
    link_a, link_b = values[a.pk]["feedback_url"], values[b.pk]["feedback_url"]
    assert link_a.startswith("https://crm.example.jp/") and link_a != link_b
    assert client.get(link_a.removeprefix("https://crm.example.jp")).status_code == 200
    text = merge.fill(request_step.body, values[a.pk])
    assert "{{" not in text and link_a in text and "株式会社テスト 御中" in text


def test_a_step_without_the_field_signs_nothing(request_step):
    assert feedback.feedback_fields_for(request_step, [1, 2]) == {}
