"""The demo company as an app of its own (label `demo`): its commands build customers, purchases and a dormancy
scan, so it sits at the top of the dependency order, never in the core that every app imports."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "crm.demo"
    label = "demo"
    verbose_name = _("Demo company")
