"""manage.py import_customers PATH [--dry-run] [--only-valid --rejected OUT.csv] [--user USERNAME]"""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from customers.customer_import import commit_rows, plan_for_bytes, rejected_rows_csv
from customers.tabular import TableError


class Command(BaseCommand):
    help = "Import customers from CSV (UTF-8, UTF-8 with BOM or Shift_JIS) or XLSX; updates by code."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument("--only-valid", action="store_true", help="Import the valid rows even if others fail.")
        parser.add_argument("--rejected", help="With --only-valid: write the rejected rows with reasons here.")
        parser.add_argument("--user", help="User name recorded in the change history.")

    def handle(self, *args, path, dry_run, only_valid, rejected, user, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"Unknown user: {user}")
        try:
            plan = plan_for_bytes(source.read_bytes(), source.name)
        except TableError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{source.name}: {plan.file_format} {plan.encoding}, {plan.total_rows} rows, "
            f"{len(plan.valid_rows)} valid, {len(plan.errors)} errors, {len(plan.warnings)} warnings"
        )
        for error in plan.errors:
            self.stdout.write(f"  ERROR line {error.line} [{error.column}] {error.value!r}: {error.reason}")
        for warning in plan.warnings:
            self.stdout.write(f"  warning line {warning.line} [{warning.column}] {warning.value!r}: {warning.reason}")
        if rejected and plan.errors:
            Path(rejected).write_bytes(rejected_rows_csv(plan))
            self.stdout.write(f"Rejected rows written to {rejected}")
        if plan.errors and not only_valid:
            raise CommandError("The file has errors; nothing was imported (use --only-valid to import the rest).")
        if dry_run:
            with transaction.atomic():
                result = commit_rows(plan.valid_rows, by=by)
                transaction.set_rollback(True)  # a dry run reports real counts, then undoes them
            self.stdout.write(self.style.WARNING(
                f"Dry run: would create {result.created}, update {result.updated}, leave {result.unchanged} unchanged."))
            return
        result = commit_rows(plan.valid_rows, by=by, reason=f"import {source.name}")
        self.stdout.write(self.style.SUCCESS(
            f"Created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
            f"rejected {len(plan.rejected_rows)}."))
