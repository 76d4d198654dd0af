"""User administration services. Each checks the actor's right itself (the views check too; this is the guarantee).

Users are deactivated, never deleted: their name stays on the touchpoints, imports and reports they wrote.
The product must always keep one active administrator, and nobody can lock themselves out by mistake.
"""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.permissions import require
from crm.roles import Role

User = get_user_model()


def _other_active_admins(user):
    admins = User.objects.filter(is_active=True).filter(role=Role.ADMIN) | User.objects.filter(
        is_active=True, is_superuser=True
    )
    return admins.exclude(pk=user.pk).exists()


@transaction.atomic
def user_create(*, by, username, display_name, email, role, password):
    require(by, "users.manage")
    user = User(username=username, display_name=display_name, email=email, role=role, is_active=True)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update(*, by, user, display_name, email, role, is_active):
    """Change a user's name, address, role or active flag, checked against the stored row."""
    require(by, "users.manage")
    stored = User.objects.select_for_update().get(pk=user.pk)
    loses_admin = stored.is_active and (stored.role == Role.ADMIN or stored.is_superuser) and (
        not is_active or (role != Role.ADMIN and not stored.is_superuser)
    )
    if stored.pk == by.pk and (not is_active or role != stored.role):
        raise ValidationError(_("You cannot deactivate yourself or change your own role."))
    if loses_admin and not _other_active_admins(stored):
        raise ValidationError(_("Mezame needs at least one active administrator."))
    stored.display_name, stored.email, stored.role, stored.is_active = display_name, email, role, is_active
    stored.full_clean(exclude=["password"])
    stored.save(update_fields=["display_name", "email", "role", "is_active"])
    return stored


@transaction.atomic
def user_set_password(*, by, user, password):
    """An administrator sets a new password (the user should change it at the next sign-in)."""
    require(by, "users.manage")
    stored = User.objects.select_for_update().get(pk=user.pk)
    stored.set_password(password)
    stored.save(update_fields=["password"])
    return stored
