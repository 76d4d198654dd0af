"""A personal-data deletion request reaches every app's records of the customer (the erasure hooks registered by
dormancy, campaigns and visits), and the request's log says how many rows each blanked; its page says so in words,
in the reader's language, never by the log's keys."""
import datetime
import re

import pytest
from django.urls import reverse

from campaigns import services as campaign_services
from campaigns.models import Campaign, FeedbackResponse, OutboxMessage
from crm.dormancy.models import ConfirmedReason
from crm.dormancy.services import confirmed_reason_record
from customers.maintenance import deletion
from customers.maintenance.deletion import (
    ERASED_TEXT,
    deletion_request_execute,
    deletion_request_receive,
    erasure_log_lines,
)
from customers.tests.factories import ContactFactory, CustomerFactory
from visits.models import UpdateSuggestion, VisitLog, VisitTask
from visits.services import visit_log_record

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 1)


def _customer_known_to_every_app(maintainer, manager, rep):
    """A customer with rows in every app an erasure hook blanks: a contact, a confirmed reason, a visit log (with a
    suggestion and a task), a sent e-mail and a feedback comment."""
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
    ContactFactory(customer=customer)
    return customer


def _receive(customer, maintainer):
    return deletion_request_receive(customer=customer, requested_by="本人", requested_on=TODAY, channel="電話",
                                    by=maintainer)


def test_erasure_blanks_what_every_app_wrote_about_the_customer(maintainer, manager, rep):
    customer = _customer_known_to_every_app(maintainer, manager, rep)
    done = deletion_request_execute(request=_receive(customer, maintainer), by=maintainer)

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


SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _erased_log_lines(client, customer, maintainer):
    """Execute the request from its page, then read the page's "What was erased" list."""
    request = _receive(customer, maintainer)
    url = reverse("customers:deletion_detail", args=[request.pk])
    client.post(url, {"action": "execute"})
    html = client.get(url).content.decode()
    block = re.search(r'data-testid="deletion-log">(.*?)</ul>', html, re.S).group(1)
    return re.findall(r"<li>(.*?)</li>", block)


class TestTheRequestsPage:
    """Every count an erasure hook returns is shown under the words its app registered for it."""

    def test_it_says_what_was_erased_in_japanese(self, client_for, maintainer, manager, rep):
        customer = _customer_known_to_every_app(maintainer, manager, rep)
        lines = _erased_log_lines(client_for(maintainer), customer, maintainer)
        assert [line for line in lines if SNAKE_CASE.search(line)] == []
        assert {"担当者 1 件削除", "確認済みの休眠理由のメモ 1 件を消去", "送信メールの宛先とリンク 1 件を消去",
                "ご意見のコメント 1 件を消去", "訪問記録のメモ 1 件を消去"} <= set(lines)
        assert lines[0].startswith("消去した項目：名称, フリガナ, 電話番号")
        # Every line is Japanese: no English label left untranslated ("FAX" and "Web" are Japanese words here).
        assert [line for line in lines if re.search(r"[A-Za-z]{3,}", re.sub(r"FAX|Web", "", line))] == []

    def test_it_says_what_was_erased_in_english(self, client_for, maintainer, manager, rep, english):
        customer = _customer_known_to_every_app(maintainer, manager, rep)
        lines = _erased_log_lines(client_for(maintainer), customer, maintainer)
        assert [line for line in lines if SNAKE_CASE.search(line)] == []
        assert {"Contacts deleted: 1", "Notes on confirmed dormancy reasons blanked: 1",
                "Sent e-mails whose address and links were blanked: 1", "Feedback comments blanked: 1",
                "Visit log notes blanked: 1"} <= set(lines)

    def test_every_hook_labels_every_count_it_returns(self, maintainer, manager, rep):
        customer = _customer_known_to_every_app(maintainer, manager, rep)
        log = deletion_request_execute(request=_receive(customer, maintainer), by=maintainer).log
        hooks = deletion._ERASURE_HOOKS
        assert set(hooks) == {"campaigns", "dormancy", "visits"}
        unlabelled = {(name, key) for name in hooks for key in log[name] if key not in hooks[name][1]}
        assert unlabelled == set()
        assert set(log) - set(hooks) == {"customer_fields", *deletion.LOG_LABELS}

    def test_a_key_nobody_labels_still_reads_as_words(self, english):
        lines = erasure_log_lines({"coupons_gone": {"coupon_codes_blanked": 2}, "old_rows_blanked": 1})
        assert sorted(lines) == ["Coupon codes blanked: 2", "Old rows blanked: 1"]
