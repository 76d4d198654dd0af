"""The four roles of Mezame's users. Kept apart from models so the permission layer can import it cheaply."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES_REP = "sales_rep", _("Sales rep")
    LIST_MAINTAINER = "list_maintainer", _("List maintainer")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")
