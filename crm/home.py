"""Sections of the home page, registered by the apps that own their data, so the core shows them without importing them.

The home page is each user's landing page: what a rep, a list maintainer or a manager needs first. Its content
comes from apps above the core (customers, dormancy, later the dashboard and today's tasks), which the core may
not import, so each app registers its sections from its AppConfig.ready():

    register_home_section("dormancy-targets", template="dormancy/home/targets.html", context=home.targets,
                          roles={Role.SALES_REP}, order=20)

A section is shown to a user whose role is in `roles` (every role when None) and who may perform `permission`
(when given); `context(user)` returns the dict its template gets as `section`. The home view calls home_sections(),
so every section's reads happen in the view (and in its query-count tests). `wide` sections take the full width on
a large screen, the others half of it; on a phone every section is full width, in `order`.
"""
from collections.abc import Callable
from dataclasses import dataclass

from .permissions import can
from .roles import Role


@dataclass(frozen=True)
class HomeSection:
    name: str  # also the section's data-testid: "home-<name>"
    template: str
    context: Callable  # (user) -> dict, read-only
    roles: frozenset | None = None
    permission: str | None = None
    order: int = 100
    wide: bool = False


_SECTIONS = {}


def register_home_section(name, *, template, context, roles=None, permission=None, order=100, wide=False):
    """Add (or replace, so a repeated ready() is harmless) a section of the home page."""
    if permission is not None:
        can(None, permission)  # an unknown action raises KeyError here, at start-up, not on a user's first visit
    _SECTIONS[name] = HomeSection(
        name=name, template=template, context=context, roles=frozenset(roles) if roles is not None else None,
        permission=permission, order=order, wide=wide,
    )


def unregister_home_section(name):
    _SECTIONS.pop(name, None)


def role_of(user):
    """The role a user's home is built for: superusers are administrators whatever their stored role."""
    return Role.ADMIN if user.is_superuser else user.role


def is_shown_to(section, user):
    if section.roles is not None and role_of(user) not in section.roles:
        return False
    return section.permission is None or can(user, section.permission)


def home_sections(*, user):
    """[{name, template, wide, data}] of the sections `user` sees, in their order, with their data read now."""
    sections = sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))
    return [
        {"name": s.name, "template": s.template, "wide": s.wide, "data": s.context(user)}
        for s in sections
        if is_shown_to(s, user)
    ]


# ---------------------------------------------------------------- the core's own section


def _user_administration(user):
    """Active users per role, for the administrator's link to user management."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    counts = dict(
        get_user_model().objects.filter(is_active=True).values_list("role").annotate(n=Count("pk")).order_by()
    )
    return {
        "roles": [{"label": label, "count": counts.get(value, 0)} for value, label in Role.choices],
        "total": sum(counts.values()),
    }


register_home_section(
    "users", template="crm/home/users.html", context=_user_administration, permission="users.manage", order=90,
)
