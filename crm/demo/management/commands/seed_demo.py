"""manage.py seed_demo: build (or rebuild) the demo building-materials wholesaler. See crm/demo/."""
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.demo.build import seed_demo


class Command(BaseCommand):
    help = "Create the demo company: users, ~3,000 customers and prospects, five years of purchases."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="random seed: the same seed gives the same data")
        parser.add_argument("--customers", type=int, default=3000, help="number of customers and prospects")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="the demo's today (YYYY-MM-DD)")
        parser.add_argument("--allow-production", action="store_true", help="seed even with production settings")

    def handle(self, *args, seed, customers, as_of, allow_production, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production") and not allow_production:
            raise CommandError("refusing to create demo logins with production settings (use --allow-production)")
        if customers < 40:
            raise CommandError("--customers must be at least 40 so that every cohort is present")
        started = time.perf_counter()
        counts = seed_demo(seed=seed, customers=customers, as_of=as_of or timezone.localdate(), log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"seed_demo: {counts['customers']} customers, {counts['purchases']} purchase lines "
            f"in {time.perf_counter() - started:.1f}s (seed {seed})"
        ))
