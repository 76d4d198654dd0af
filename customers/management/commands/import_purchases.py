"""manage.py import_purchases PATH [--create-missing-customers] [--create-missing-products] [--dry-run]
[--only-valid [--rejected PATH]]: the same importer as the UI, for scheduled loads and big files."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customers.purchases.importer import purchases_import
from customers.tabular import TableError


class Command(BaseCommand):
    help = "Import purchase lines from a CSV (UTF-8 / Shift_JIS) or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--create-missing-customers", action="store_true",
                            help="create customers whose code is unknown instead of rejecting their rows")
        parser.add_argument("--create-missing-products", action="store_true",
                            help="create products whose code is unknown instead of rejecting their rows")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
        parser.add_argument("--only-valid", action="store_true",
                            help="import the valid rows even if some rows are bad")
        parser.add_argument("--rejected", help="with --only-valid: write the rejected rows to this CSV file")

    def handle(self, *args, path, create_missing_customers, create_missing_products, dry_run, only_valid,
               rejected, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"no such file: {source}")
        try:
            result = purchases_import(
                data=source.read_bytes(), filename=source.name, create_missing_customers=create_missing_customers,
                create_missing_products=create_missing_products, dry_run=dry_run, only_valid=only_valid,
            )
        except TableError as exc:
            raise CommandError(str(exc)) from exc
        for error in result.errors:
            self.stderr.write(f"line {error['line']}, {error['column']} {error['value']!r}: {error['reason']}")
        if result.error_count > len(result.errors):
            self.stderr.write(f"… and {result.error_count - len(result.errors)} more errors")
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning['customer_code']} {warning['purchased_on']} coupon "
                              f"{warning['value']!r}: {warning['reason']}")
        if rejected and result.rejected_csv:
            Path(rejected).write_bytes(result.rejected_csv)
            self.stdout.write(f"rejected rows written to {rejected}")
        summary = (f"{result.total_rows} rows, {result.valid_rows} valid, {result.error_rows} with errors; "
                   f"{result.created} added, {result.already_imported} already imported")
        if result.created_customers:
            summary += f", {result.created_customers} customers created"
        if dry_run:
            self.stdout.write(f"dry run: {summary}; nothing written")
        elif not result.written and result.error_rows:
            raise CommandError(f"{summary}. Nothing was written: fix the file, or use --only-valid.")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
