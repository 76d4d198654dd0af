"""The steps editor, playbooks page, response CSV and the card panel: who may do what."""
import datetime

import pytest
from django.urls import reverse

from campaigns import services, step_services
from campaigns.models import Campaign, CampaignStep
from crm.permissions import Refused

from .support import customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = datetime.date
FIELDS = {"name": "春の掘り起こし", "starts_on": D(2026, 5, 1), "ends_on": D(2026, 6, 30),
          "channel": Campaign.Channel.EMAIL, "approach": Campaign.Approach.EVERYONE}
STEP = {"channel": "dm", "wait_days": "7", "condition": "no_click", "subject": "お便り", "body": "本文"}


def test_a_manager_adds_reorders_edits_and_removes_steps_of_a_draft(client_for, manager):
    campaign = services.campaign_create(by=manager, **FIELDS)
    client = client_for(manager)
    client.post(reverse("campaigns:step_add", args=[campaign.pk]), STEP)
    client.post(reverse("campaigns:step_add", args=[campaign.pk]), {**STEP, "channel": "phone", "wait_days": "21",
                                                                     "condition": "no_purchase",
                                                                     "weekly_capacity_per_rep": "40"})
    assert list(campaign.steps.values_list("position", "channel")) == [(1, "email"), (2, "dm"), (3, "phone")]
    dm = campaign.steps.get(position=2)
    client.post(reverse("campaigns:step_move", args=[dm.pk, "up"]))
    assert list(campaign.steps.values_list("position", "channel")) == [(1, "dm"), (2, "email"), (3, "phone")]
    campaign.refresh_from_db()
    assert campaign.channel == "dm"  # the first step's channel
    client.post(reverse("campaigns:step_edit", args=[dm.pk]), {**STEP, "wait_days": "3", "is_key_accounts_only": "on"})
    dm.refresh_from_db()
    assert (dm.wait_days, dm.is_key_accounts_only) == (3, True)
    client.post(reverse("campaigns:step_delete", args=[dm.pk]))
    assert list(campaign.steps.values_list("position", "channel")) == [(1, "email"), (2, "phone")]
    page = client.get(campaign.get_absolute_url())
    assert page.status_code == 200 and "step-add-form" in page.content.decode()


def test_the_step_editor_lists_the_merge_fields_delivery_fills(client_for, manager):
    campaign = services.campaign_create(by=manager, **FIELDS)
    page = client_for(manager).get(reverse("campaigns:step_edit", args=[campaign.steps.get().pk]))
    fields = page.content.decode().split('data-testid="merge-fields"', 1)[1].split("</dl>", 1)[0]
    for name in ("addressee", "coupon_code", "feedback_url", "sender_company", "rep_name"):
        assert "{{ " + name + " }}" in fields


def test_only_managers_change_steps(client_for, manager, rep):
    campaign = services.campaign_create(by=manager, **FIELDS)
    step = campaign.steps.get()
    with pytest.raises(Refused):
        step_services.campaign_step_add(campaign=campaign, by=rep, channel="dm")
    with pytest.raises(Refused):
        step_services.campaign_step_update(step=step, by=rep, wait_days=3)
    client = client_for(rep)
    assert client.post(reverse("campaigns:step_add", args=[campaign.pk]), STEP).status_code == 403
    assert client.post(reverse("campaigns:step_delete", args=[step.pk])).status_code == 403
    assert client.post(reverse("campaigns:playbooks")).status_code == 403
    page = client.get(campaign.get_absolute_url())
    assert page.status_code == 200 and "step-add-form" not in page.content.decode()
    assert campaign.steps.count() == 1


def test_a_launched_campaigns_steps_are_fixed_but_its_response_is_shown_and_exported(client_for, manager):
    customer()
    campaign = services.campaign_launch(campaign=services.campaign_create(by=manager, **FIELDS), by=manager)
    with pytest.raises(Exception, match="draft"):
        step_services.campaign_step_add(campaign=campaign, by=manager, channel="dm")
    client = client_for(manager)
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "campaign-response" in page and "step-add-form" not in page
    csv_reply = client.get(reverse("campaigns:response_csv", args=[campaign.pk]))
    assert csv_reply.status_code == 200 and csv_reply.content.startswith(b"\xef\xbb\xbf")


def test_playbooks_page_creates_the_defaults_and_their_texts_stay_editable(client_for, manager):
    client = client_for(manager)
    client.post(reverse("campaigns:playbooks"))
    playbook = Campaign.objects.get(kind="playbook", playbook_reason="price")
    assert "playbooks" in client.get(reverse("campaigns:playbooks")).content.decode()
    step = CampaignStep.objects.get(campaign=playbook, position=1)
    step_services.campaign_step_update(step=step, by=manager, subject="新プラン")
    step.refresh_from_db()
    assert step.subject == "新プラン"
    with pytest.raises(Exception, match="draft"):
        step_services.campaign_step_delete(step=step, by=manager)


def test_the_customer_card_shows_his_campaigns(client_for, manager):
    c = customer()
    services.campaign_launch(campaign=services.campaign_create(by=manager, **FIELDS), by=manager)
    page = client_for(manager).get(c.get_absolute_url())
    assert page.status_code == 200
    assert "campaigns-panel" in page.content.decode() and FIELDS["name"] in page.content.decode()
