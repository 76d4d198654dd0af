"""Core models: the user with a role, and the audit record of every export of personal data.

The dormancy engine's models live in their own app (crm.dormancy, label `dormancy`).
"""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALES_REP, db_index=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["display_name", "username"]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_sales_rep(self):
        return self.role == Role.SALES_REP

    @property
    def is_list_maintainer(self):
        return self.role == Role.LIST_MAINTAINER

    @property
    def is_manager(self):
        return self.role == Role.MANAGER

    @property
    def is_admin_role(self):
        return self.role == Role.ADMIN or self.is_superuser


class ExportAudit(models.Model):
    """One export of personal data: who took which records out, when, with which filter."""

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="exports", verbose_name=_("user")
    )
    actor = models.CharField(_("exported by"), max_length=150)  # kept even if the user is later deleted
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("what"), max_length=50)
    file_format = models.CharField(_("format"), max_length=10)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    via = models.CharField(_("via"), max_length=20, default="web")  # web or command

    class Meta:
        verbose_name = _("export audit record")
        verbose_name_plural = _("export audit records")
        ordering = ["-exported_at"]

    def __str__(self):
        return f"{self.user} {self.kind} {self.row_count} rows at {self.exported_at:%Y-%m-%d %H:%M}"

