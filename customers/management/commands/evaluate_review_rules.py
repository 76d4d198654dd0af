"""manage.py evaluate_review_rules [--defaults]: flag the records the active review rules match (the nightly task
does the same); --defaults first creates the starting rules (prospect with no contact for 2 years, customer with
no purchase for 3 years) where none of their kind exists."""
from django.core.management.base import BaseCommand

from customers.maintenance.rules import default_review_rules_create, review_rules_evaluate
from customers.models import ReviewRule


class Command(BaseCommand):
    help = "Flag the records the active review rules match, for the maintainer's worklist."

    def add_arguments(self, parser):
        parser.add_argument("--defaults", action="store_true", help="create the starting rules first")

    def handle(self, *args, defaults=False, **options):
        if defaults:
            default_review_rules_create()
        flagged = review_rules_evaluate()
        names = dict(ReviewRule.objects.values_list("pk", "name"))
        for rule_id, n in flagged.items():
            self.stdout.write(f"{names.get(rule_id, rule_id)}: {n}")
        self.stdout.write(f"total: {sum(flagged.values())}")
