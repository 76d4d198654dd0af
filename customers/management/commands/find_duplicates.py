"""manage.py find_duplicates [--export PATH] [--min-score S] [--no-store]

Runs the duplicate engine over every live customer (customers.duplicates): pairs already rejected or accepted
are left out. The matches replace the maintainer's review queue (unless --no-store) and, with --export, go to a
CSV of code_a, code_b, score, reasons (UTF-8 with BOM); without it the CSV goes to standard output.
"""
import sys

from django.core.management.base import BaseCommand, CommandError

from customers.duplicates import engine, services
from customers.duplicates.export import write_matches
from customers.duplicates.scoring import DUPLICATE_SCORE


class Command(BaseCommand):
    help = "Find likely duplicate customers; refresh the review queue and write code_a,code_b,score,reasons."

    def add_arguments(self, parser):
        parser.add_argument("--export", metavar="PATH", help="Write the pairs as CSV (UTF-8 with BOM) to PATH.")
        parser.add_argument("--min-score", type=int, default=DUPLICATE_SCORE,
                            help=f"Lowest score listed, 0-100 (default {DUPLICATE_SCORE}).")  # fmt: skip
        parser.add_argument("--no-store", action="store_true", help="Leave the review queue as it is.")

    def handle(self, *args, export, min_score, no_store, **options):
        if not 0 <= min_score <= 100:
            raise CommandError("--min-score must be between 0 and 100.")
        stats = {}
        matches = engine.find_duplicates(min_score=min_score, stats=stats)
        if not no_store:
            services.duplicates_store(matches=matches)
        if export:
            with open(export, "wb") as out:
                write_matches(out, matches)
        else:
            write_matches(sys.stdout.buffer, matches)
        self.stderr.write(
            f"{stats['matches']} pairs with score >= {min_score} from {stats['pairs']} candidates "
            f"(blocking {stats['blocking_seconds']:.1f} s, scoring {stats['scoring_seconds']:.1f} s)"
            + (f"; written to {export}" if export else "")
        )
