"""Who changed which dormancy rule when: the rule's page shows its own changes, the rules page the latest changes
of every rule, deleted overrides included, in the reader's language."""
import pytest
from django.urls import reverse
from django.utils import translation

from crm.dormancy.models import DormancyRule, RuleCode
from crm.dormancy.selectors import rule_history
from customers.models import Tag

pytestmark = pytest.mark.django_db


def _halved():
    return DormancyRule.objects.get(code=RuleCode.HALVED, tag=None, industry="")


def test_a_saved_rule_shows_who_changed_what_from_and_to(manager, client_for):
    rule = _halved()
    client = client_for(manager)
    client.post(reverse("dormancy:rule_edit", args=[rule.pk]), {"is_enabled": "on", "ratio_percent": "40", "save": "1"})
    page = client.get(reverse("dormancy:rule_edit", args=[rule.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = page.split('data-testid="rule-history"', 1)[1]
    assert "田中 部長" in section and "Changed on the dormancy rules page" in section
    assert "<strong>Ratio (%)</strong>: <del class=\"text-secondary\">50</del> → 40" in section
    assert "Updated by" not in section  # the history names who; the column is not a change of its own


def test_the_rules_page_lists_recent_changes_of_every_rule_including_a_deleted_override(manager, client_for):
    tag = Tag.objects.create(name="大口")
    client = client_for(manager)
    client.post(reverse("dormancy:rules"), {"code": "inactivity", "tag": tag.pk})
    override = DormancyRule.objects.get(code=RuleCode.INACTIVITY, tag=tag)
    client.post(reverse("dormancy:rule_delete", args=[override.pk]))
    with translation.override("en"):
        entries = rule_history()
    assert [(e["type"], e["subject"], str(e["user"])) for e in entries[:2]] == [
        ("-", "Inactivity (tag: 大口)", "田中 部長"), ("+", "Inactivity (tag: 大口)", "田中 部長")]
    page = client.get(reverse("dormancy:rules"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    section = page.split('data-testid="rule-history"', 1)[1]
    assert "最近のルール変更" in section and "削除" in section and "タグ：大口" in section


def test_an_unchanged_rule_shows_only_its_first_state_and_reps_see_no_history(manager, rep, client_for):
    rule = _halved()
    page = client_for(manager).get(reverse("dormancy:rule_edit", args=[rule.pk]), HTTP_ACCEPT_LANGUAGE="en")
    section = page.content.decode().split('data-testid="rule-history"', 1)[1]
    assert section.count('data-testid="rule-history-entry"') == 1 and "Created" in section
    assert client_for(rep).get(reverse("dormancy:rule_edit", args=[rule.pk])).status_code == 403
    assert client_for(rep).get(reverse("dormancy:rules")).status_code == 403


def test_every_rule_starts_with_its_state_when_first_recorded():
    """The defaults were written by a migration: each has a "created" row to compare the first change with."""
    assert set(DormancyRule.objects.values_list("pk", flat=True)) == set(
        DormancyRule.history.filter(history_type="+").values_list("id", flat=True))
