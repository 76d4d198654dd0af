"""The permission layer: every foundation rule per role, the object rules, and the helpers views use."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.views import View

from crm import permissions
from crm.permissions import (
    PermissionRequiredMixin,
    Refused,
    can,
    has_role_for,
    permission_required,
    refusal_reason,
    require,
)
from crm.roles import Role
from customers.models import Customer

REP, MAINT, MGR, ADMIN = Role.SALES_REP, Role.LIST_MAINTAINER, Role.MANAGER, Role.ADMIN
ALL = {REP, MAINT, MGR, ADMIN}

# The rules of issue 3, written out role by role so a change to ACTION_ROLES has to change this table too.
EXPECTED = {
    "customers.view": ALL,  # information is shared across the team
    "customers.create": ALL,
    "customers.edit": ALL,  # role-level; narrowed per record below
    "customers.edit_any": {MAINT, ADMIN},
    "customers.reassign": {MAINT, ADMIN},  # a rep may not hand his accounts over, nor a manager assign them
    "customers.merge": {MAINT, ADMIN},
    "customers.retire": {MAINT, ADMIN},
    "customers.erase": {MAINT, ADMIN},  # personal-data deletion requests
    "customers.import": {MAINT, ADMIN},
    "customers.export": {MAINT, MGR, ADMIN},  # only office roles take personal data out
    "touchpoints.add": ALL,
    "purchases.view": ALL,
    "purchases.import": {MAINT, MGR, ADMIN},
    "purchases.export": {MAINT, MGR, ADMIN},
    "products.manage": {MGR, ADMIN},
    "dormancy.view": ALL,
    "dormancy.configure": {MGR, ADMIN},
    "dormancy.run": {MGR, ADMIN},
    "dormancy.confirm_reason": ALL,  # narrowed per record: a rep for his own accounts
    "campaigns.manage": {MGR, ADMIN},
    "campaigns.letters": {MAINT, MGR, ADMIN},  # letter batches hold addresses: office roles print them
    "campaigns.hot_leads": ALL,  # reps call the customers who clicked
    "coupons.issue": ALL,  # whoever takes the call issues the order-entry coupon, as anyone may log a touchpoint
    "dashboard.view": {MGR, ADMIN},
    "visits.log": ALL,
    "visits.work_task": ALL,  # narrowed per record: the task's rep, or a manager
    "visits.assign": {MGR, ADMIN},
    "visits.report": ALL,  # narrowed per record: one's own report
    "visits.review_reports": {MGR, ADMIN},
    "visits.coverage": {MGR, ADMIN},
    "users.manage": {ADMIN},
    "inquiries.review": {MAINT, ADMIN},  # web inquiries matched to a customer are checked before they count
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_it_allows_each_action_to_exactly_the_expected_roles(action, users_by_role):
    allowed = {role for role, user in users_by_role.items() if can(user, action)}
    assert allowed == EXPECTED[action]


def test_every_action_is_in_the_expected_table():
    """A new action must be written out here too, so its roles are a decision someone reviewed."""
    assert set(permissions.ACTION_ROLES) == set(EXPECTED)


def test_it_only_knows_actions_for_real_roles():
    for action, roles in permissions.ACTION_ROLES.items():
        assert roles, action
        assert set(roles) <= set(Role.values), action


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_it_refuses_every_action_to_anonymous_users(action):
    assert can(AnonymousUser(), action) is False
    assert can(None, action) is False


def test_it_refuses_everything_to_a_deactivated_user(manager):
    manager.is_active = False
    assert can(manager, "customers.view") is False
    assert can(manager, "dashboard.view") is False


def test_it_treats_a_superuser_as_an_administrator_whatever_the_role_field(make_user):
    boss = make_user("root", REP, is_superuser=True, is_staff=True)
    assert can(boss, "users.manage") is True
    assert can(boss, "customers.merge") is True


def test_it_rejects_an_unknown_action_name_loudly(rep):
    with pytest.raises(KeyError, match=r"customers\.delete_everything"):
        can(rep, "customers.delete_everything")


@pytest.fixture
def accounts(db, rep, other_rep):
    own = Customer.objects.create(code="C-OWN", name="株式会社佐藤工務店", assigned_rep=rep)
    theirs = Customer.objects.create(code="C-THEIRS", name="高橋設備株式会社", assigned_rep=other_rep)
    unassigned = Customer.objects.create(code="C-NONE", name="山田リフォーム")
    return own, theirs, unassigned


def test_it_lets_a_rep_edit_only_his_own_accounts(rep, accounts):
    own, theirs, unassigned = accounts
    assert can(rep, "customers.edit", own) is True
    assert can(rep, "customers.edit", theirs) is False
    assert can(rep, "customers.edit", unassigned) is False


def test_it_lets_a_rep_log_visits_only_to_his_own_accounts(rep, accounts):
    own, theirs, _ = accounts
    assert can(rep, "visits.log", own) is True
    assert can(rep, "visits.log", theirs) is False


def test_it_lets_the_maintainer_and_admin_edit_any_record(maintainer, admin_user, accounts):
    for user in (maintainer, admin_user):
        assert all(can(user, "customers.edit", customer) for customer in accounts), user.username


def test_it_keeps_the_manager_from_editing_accounts_assigned_to_others(manager, accounts):
    _own, theirs, unassigned = accounts
    assert can(manager, "customers.edit", theirs) is False
    assert can(manager, "customers.edit", unassigned) is False


def test_it_lets_a_manager_edit_accounts_assigned_to_himself(manager):
    mine = Customer.objects.create(code="C-MGR", name="大口建設株式会社", assigned_rep=manager)
    assert can(manager, "customers.edit", mine) is True


def test_it_lets_everyone_read_every_record(users_by_role, accounts):
    for user in users_by_role.values():
        assert all(can(user, "customers.view", customer) for customer in accounts), user.username


def test_require_raises_permission_denied_naming_the_action(rep):
    require(rep, "customers.view")
    with pytest.raises(PermissionDenied, match=r"customers\.export"):
        require(rep, "customers.export")


class TestRefusalReasons:
    """A refusal says why, in the user's language; English here (the Japanese is in the catalogue)."""

    @pytest.fixture(autouse=True)
    def _in_english(self, english):
        pass

    def test_it_names_the_role_and_the_roles_that_may(self, rep):
        with pytest.raises(Refused) as refused:
            require(rep, "customers.export")
        assert refused.value.action == "customers.export"
        assert refused.value.reason == (
            "Your role (Sales rep) does not allow this (allowed: List maintainer / Manager / Administrator).")

    def test_it_names_the_rep_of_a_record_that_is_not_yours(self, rep, accounts):
        _own, theirs, _ = accounts
        assert refusal_reason(rep, "customers.edit", theirs) == (
            "You are not the rep of this customer, so you cannot edit it (rep: 高橋 営業).")
        assert refusal_reason(rep, "visits.log", theirs) == (
            "You are not the rep of this customer, so you cannot log visits to it (rep: 高橋 営業).")

    def test_it_says_who_may_edit_a_record_without_rep(self, manager, accounts):
        _own, _theirs, unassigned = accounts
        assert refusal_reason(manager, "customers.edit", unassigned) == (
            "This customer has no rep, so you cannot edit it (allowed: List maintainer / Administrator).")

    def test_it_has_no_reason_when_the_action_is_allowed(self, rep, accounts):
        own, _theirs, _ = accounts
        assert refusal_reason(rep, "customers.edit", own) is None
        require(rep, "customers.edit", own)

    def test_it_tells_an_anonymous_or_deactivated_user_to_sign_in(self, manager):
        assert refusal_reason(AnonymousUser(), "customers.view").startswith("You are not signed in")
        manager.is_active = False
        assert refusal_reason(manager, "dashboard.view").startswith("You are not signed in")


def test_has_role_for_ignores_the_record(rep):
    assert has_role_for(rep, "customers.edit") is True
    assert has_role_for(rep, "customers.merge") is False


def _ok(request):
    return HttpResponse("done")


def test_the_view_decorator_returns_403_for_a_role_without_the_action(rep, manager):
    view = permission_required("dashboard.view")(_ok)
    request = RequestFactory().get("/x")
    request.user = manager
    assert view(request).content == b"done"
    request.user = rep
    with pytest.raises(PermissionDenied):
        view(request)


class _ExportView(PermissionRequiredMixin, View):
    permission_action = "customers.export"

    def get(self, request):
        return HttpResponse("exported")


def test_the_class_based_mixin_checks_before_dispatch(rep, maintainer):
    request = RequestFactory().get("/x")
    request.user = maintainer
    assert _ExportView.as_view()(request).content == b"exported"
    request.user = rep
    with pytest.raises(PermissionDenied):
        _ExportView.as_view()(request)


def test_the_template_filter_and_tag_ask_the_same_layer(rep, accounts):
    own, theirs, _ = accounts
    template = Template(
        "{% load mezame %}{% if user|can:'customers.export' %}export{% else %}no-export{% endif %} "
        "{% can_on user 'customers.edit' own as e1 %}{% can_on user 'customers.edit' theirs as e2 %}{{ e1 }}/{{ e2 }}"
    )
    out = template.render(Context({"user": rep, "own": own, "theirs": theirs}))
    assert out == "no-export True/False"
