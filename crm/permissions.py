"""Mezame's one permission layer.

Every view, template and export asks here; nothing else checks roles. Rules are named actions
("customers.export") mapped to the roles allowed, plus object rules for records owned by a rep.

Information is shared across the team, so every signed-in user may read customer data; what differs
by role is who may change, merge, configure and export.

Views check here before they render; services check again on the row as stored in the database, so a
caller that skips the view (a script, a task, a form that changed the object first) is refused too.
A refusal is a `Refused` (a PermissionDenied, HTTP 403) that says why in the user's language.
"""
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .roles import Role

EVERYONE = frozenset(Role.values)
OFFICE = frozenset({Role.MANAGER, Role.LIST_MAINTAINER, Role.ADMIN})

# Action -> roles allowed. Object-level refinements are in OBJECT_RULES below.
ACTION_ROLES = {
    "customers.view": EVERYONE,
    "customers.create": EVERYONE,  # a rep registers the prospect he met; maintainers clean up later
    "customers.edit": EVERYONE,  # narrowed per record by OBJECT_RULES
    "customers.edit_any": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    # Handing an account to another rep (a rep would lose his own; a manager assigns through the maintainer).
    "customers.reassign": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    "customers.merge": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    "customers.retire": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
    # Personal-data deletion requests: record them and execute the erasure (the only hard deletion there is).
    "customers.erase": frozenset({Role.LIST_MAINTAINER, Role.ADMIN}),
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
    # Why a customer stopped, as he told us: a rep for his own accounts, the office for any (OBJECT_RULES).
    "dormancy.confirm_reason": EVERYONE,
    "campaigns.manage": frozenset({Role.MANAGER, Role.ADMIN}),
    # Letter batches (print-ready PDFs with customers' addresses): rendered, downloaded and marked posted by the office.
    "campaigns.letters": OFFICE,
    # Customers who clicked a campaign e-mail, for the reps to call.
    "campaigns.hot_leads": EVERYONE,
    # A personal coupon at order entry (and cancelling one): whoever takes the customer's call, like logging it.
    "coupons.issue": EVERYONE,
    "dashboard.view": frozenset({Role.MANAGER, Role.ADMIN}),
    "visits.log": EVERYONE,  # narrowed per record: a rep logs visits to his own accounts
    # A visit task is worked (logged, skipped) by the rep it is assigned to; managers hand tasks out and move them.
    "visits.work_task": EVERYONE,
    "visits.assign": frozenset({Role.MANAGER, Role.ADMIN}),
    "visits.report": EVERYONE,  # narrowed per record: one's own daily report (日報)
    "visits.review_reports": frozenset({Role.MANAGER, Role.ADMIN}),
    "visits.coverage": frozenset({Role.MANAGER, Role.ADMIN}),
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


def _works_task(user, task):
    return task.assigned_to_id == user.pk or has_role_for(user, "visits.assign")


def _writes_report(user, report):
    return report.rep_id == user.pk


OBJECT_RULES = {
    "customers.edit": _can_edit_customer,
    "visits.log": _can_edit_customer,
    "visits.work_task": _works_task,
    "visits.report": _writes_report,
    "dormancy.confirm_reason": _can_edit_customer,
}


class Refused(PermissionDenied):
    """A PermissionDenied that says why: `reason` is a sentence for the user, `action` the rule that refused."""

    def __init__(self, action, reason, obj=None):
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason
        self.obj = obj  # the record refused, so the 403 page can link back to it


def _role_labels(action):
    return " / ".join(str(label) for value, label in Role.choices if value in ACTION_ROLES[action])


def _customer_refusal(user, action, customer):
    rep = customer.assigned_rep if customer is not None and customer.assigned_rep_id else None
    if action == "visits.log":
        if rep is None:
            return _("This customer has no rep, so you cannot log visits to it.")
        return _("You are not the rep of this customer, so you cannot log visits to it (rep: %(rep)s).") % {"rep": rep}
    if rep is None:
        return _("This customer has no rep, so you cannot edit it (allowed: %(roles)s).") % {
            "roles": _role_labels("customers.edit_any")}
    return _("You are not the rep of this customer, so you cannot edit it (rep: %(rep)s).") % {"rep": rep}


def _task_refusal(user, action, task):
    return _("This task is assigned to another rep (%(rep)s).") % {"rep": task.assigned_to or "-"}


def _report_refusal(user, action, report):
    return _("This is the daily report of another rep (%(rep)s).") % {"rep": report.rep}


# Action -> the reason given when its object rule refuses (the role itself was allowed).
OBJECT_REFUSALS = {
    "customers.edit": _customer_refusal,
    "visits.log": _customer_refusal,
    "visits.work_task": _task_refusal,
    "visits.report": _report_refusal,
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


def refusal_reason(user, action, obj=None):
    """Why the user may not perform the action (on obj when given), or None when he may."""
    if can(user, action, obj):
        return None
    role = _role(user)
    if role is None:
        return _("You are not signed in, or your account has been deactivated.")
    if role not in ACTION_ROLES[action]:
        return _("Your role (%(role)s) does not allow this (allowed: %(roles)s).") % {
            "role": Role(role).label, "roles": _role_labels(action)}
    explain = OBJECT_REFUSALS.get(action)
    return explain(user, action, obj) if explain else _("You may not do this to this record.")


def require(user, action, obj=None):
    """Raise Refused (a PermissionDenied, HTTP 403) unless the user may perform the action.

    Services pass the row as stored (read, and locked where a change follows), never an object the
    caller may already have changed.
    """
    reason = refusal_reason(user, action, obj)
    if reason is not None:
        raise Refused(action, reason, obj)


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
