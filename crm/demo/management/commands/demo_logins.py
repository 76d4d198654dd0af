"""manage.py demo_logins: print the demo users and their password (for the local demo only)."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from crm.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins created by seed_demo."

    def handle(self, *args, **options):
        existing = set(
            get_user_model().objects.filter(username__in=[u for u, _, _ in DEMO_USERS]).values_list("username", flat=True)
        )
        if not existing:
            self.stdout.write("No demo users yet: run `manage.py seed_demo` first.")
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, role, display_name in DEMO_USERS:
            if username in existing:
                self.stdout.write(f"  {username:<11} {role.label!s:<16} {display_name}")
