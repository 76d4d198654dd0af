"""Mezame's one permission layer.

Every view, template and export asks here; nothing else checks roles. Rules are named actions
("customers.export") mapped to the roles allowed, plus object rules for records owned by a rep.

Information is shared across the team, so every signed-in user may read customer data; what differs
by role is who may change, merge, configure and export.
"""
from functools import wraps

from django.core.exceptions import PermissionDenied

from .roles import Role

EVERYONE = frozenset(Role.values)
OFFICE = frozenset({Role.MANAGER, Role.LIST_MAINTAINER, Role.ADMIN})

# Action -> roles allowed. Object-level refinements are in OBJECT_RULES below.
ACTION_ROLES = {
    "customers.view": EVERYONE,
    "customers.create": EVERYONE,  # a rep registers the prospect he met; maintainers clean up later
    "customers.edit": EVERYONE,  # narrowed per record by OBJECT_RULES
    "customers.edit_any": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    "customers.merge": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    "customers.retire": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    "customers.import": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    "customers.export": OFFICE,  # personal data leaves the system: audited
    "touchpoints.add": EVERYONE,
    # Web inquiries that matched a known customer: accept onto the card or reject (never from the customer yet).
    "inquiries.review": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    "purchases.view": EVERYONE,
    "purchases.import": OFFICE,
    "purchases.export": OFFICE,
    "products.manage": frozenset({Role.MANAGER, Role.ADMIN}),
    "dormancy.view": EVERYONE,
    "dormancy.configure": frozenset({Role.MANAGER, Role.ADMIN}),
    "dormancy.run": frozenset({Role.MANAGER, Role.ADMIN}),
    "campaigns.manage": frozenset({Role.MANAGER, Role.ADMIN}),
    "dashboard.view": frozenset({Role.MANAGER, Role.ADMIN}),
    "visits.log": EVERYONE,  # narrowed per record: a rep logs visits to his own accounts
    "users.manage": frozenset({Role.ADMIN}),
}


def _role(user):
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return user.role


def _owns_customer(user, customer):
    return customer is not None and customer.assigned_rep_id == user.pk


def _can_edit_customer(user, customer):
    return has_role_for(user, "customers.edit_any") or _owns_customer(user, customer)


OBJECT_RULES = {
    "customers.edit": _can_edit_customer,
    "visits.log": _can_edit_customer,
}


def has_role_for(user, action):
    """True when the user's role is allowed the action at all (ignoring any particular record)."""
    if action not in ACTION_ROLES:
        raise KeyError(f"unknown permission action: {action}")
    role = _role(user)
    return role is not None and role in ACTION_ROLES[action]


def can(user, action, obj=None):
    """True when the user may perform the action, on obj when given."""
    if not has_role_for(user, action):
        return False
    rule = OBJECT_RULES.get(action)
    if rule is None or obj is None:
        return True
    return rule(user, obj)


def require(user, action, obj=None):
    """Raise PermissionDenied (HTTP 403) unless the user may perform the action."""
    if not can(user, action, obj):
        raise PermissionDenied(action)


def permission_required(action):
    """View decorator: the signed-in user's role must allow the action (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class PermissionRequiredMixin:
    """Class-based views: set `permission_action`; the check runs before dispatch."""

    permission_action = None

    def dispatch(self, request, *args, **kwargs):
        require(request.user, self.permission_action)
        return super().dispatch(request, *args, **kwargs)
