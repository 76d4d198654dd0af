"""Enumerations shared by several apps, kept in the core so that a lower app never imports a higher one.

The dormancy status is written by the dormancy engine (crm.dormancy) but read by the customer list's filter and
export (customers), which sits below the engine: the names and labels live here, the engine owns the values.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class DormancyStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")
