"""The engine's services check the right themselves: each role calls them directly, with no view in front.

Rules are changed on the stored row: an instance whose segment the caller changed still updates (or protects)
the rule it was read from.
"""
import pytest

from crm.dormancy import services
from crm.dormancy.models import DormancyRule, RuleCode
from crm.permissions import Refused
from crm.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NOT_MANAGERS = [Role.SALES_REP, Role.LIST_MAINTAINER]
MANAGERS = [Role.MANAGER, Role.ADMIN]


def default_rule(code):
    return DormancyRule.objects.get(code=code, tag=None, industry="")


def edited(rule, **changes):
    """A separate instance with changes, as the rules form hands it to the service."""
    copy = DormancyRule.objects.get(pk=rule.pk)
    for name, value in changes.items():
        setattr(copy, name, value)
    return copy


class TestRuleUpdate:
    @pytest.mark.parametrize("role", NOT_MANAGERS)
    def test_it_refuses_reps_and_maintainers_and_says_who_may(self, role, users_by_role):
        rule = default_rule(RuleCode.HALVED)
        with pytest.raises(Refused) as refused:
            services.rule_update(rule=edited(rule, ratio_percent=10), by=users_by_role[role])
        assert refused.value.reason.endswith("(allowed: Manager / Administrator).")
        assert default_rule(RuleCode.HALVED).ratio_percent == 50

    @pytest.mark.parametrize("role", MANAGERS)
    def test_it_saves_the_parameters_for_managers_and_records_who(self, role, users_by_role):
        rule = default_rule(RuleCode.HALVED)
        saved = services.rule_update(rule=edited(rule, ratio_percent=40), by=users_by_role[role])
        stored = default_rule(RuleCode.HALVED)
        assert (saved.pk, stored.ratio_percent, stored.updated_by) == (rule.pk, 40, users_by_role[role])

    def test_it_never_moves_a_rule_to_another_segment(self, manager):
        rule = default_rule(RuleCode.INACTIVITY)
        services.rule_update(rule=edited(rule, days=200, industry="小売", code=RuleCode.LOST), by=manager)
        stored = DormancyRule.objects.get(pk=rule.pk)
        assert (stored.code, stored.industry, stored.tag_id, stored.days) == (RuleCode.INACTIVITY, "", None, 200)


class TestOverrides:
    @pytest.mark.parametrize("role", NOT_MANAGERS)
    def test_it_refuses_to_create_or_delete_overrides_to_other_roles(self, role, users_by_role, manager):
        with pytest.raises(Refused):
            services.rule_override_create(code=RuleCode.INACTIVITY, industry="小売", by=users_by_role[role])
        override = services.rule_override_create(code=RuleCode.INACTIVITY, industry="卸売", by=manager)
        with pytest.raises(Refused):
            services.rule_override_delete(rule=override, by=users_by_role[role])
        assert list(DormancyRule.objects.exclude(industry="").values_list("industry", flat=True)) == ["卸売"]

    def test_it_deletes_an_override_for_a_manager(self, manager):
        override = services.rule_override_create(code=RuleCode.INACTIVITY, industry="小売", by=manager)
        assert override.days == default_rule(RuleCode.INACTIVITY).days  # starts from the default
        services.rule_override_delete(rule=override, by=manager)
        assert not DormancyRule.objects.filter(pk=override.pk).exists()

    def test_it_keeps_a_default_rule_whose_instance_was_made_to_look_like_an_override(self, admin_user):
        rule = default_rule(RuleCode.LOST)
        with pytest.raises(ValueError, match="default rule"):
            services.rule_override_delete(rule=edited(rule, industry="小売"), by=admin_user)
        assert DormancyRule.objects.filter(pk=rule.pk).exists()


class TestScanRequest:
    @pytest.mark.parametrize("role", NOT_MANAGERS)
    def test_it_refuses_to_queue_a_scan_for_other_roles(self, role, users_by_role, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Refused, match=r"dormancy\.run"):
            services.scan_request(by=users_by_role[role])
        assert callbacks == []

    @pytest.mark.parametrize("role", MANAGERS)
    def test_it_queues_one_scan_after_commit_for_managers(self, role, users_by_role,
                                                         django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            services.scan_request(by=users_by_role[role])
        assert len(callbacks) == 1
