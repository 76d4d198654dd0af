"""manage.py export_customers PATH [--format csv|xlsx] [--status S] [--lifecycle L] --user USERNAME"""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from crm.choices import DormancyStatus
from crm.permissions import can
from customers import selectors
from customers.export import FORMATS, customer_export
from customers.models import Customer


class Command(BaseCommand):
    help = "Export customers with their dormancy figures to CSV (UTF-8 with BOM) or XLSX; the export is audited."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", dest="file_format", choices=sorted(FORMATS), default=None)
        parser.add_argument("--status", choices=DormancyStatus.values, help="Dormancy status filter.")
        parser.add_argument("--lifecycle", choices=Customer.Lifecycle.values)
        parser.add_argument("--user", required=True, help="Who is exporting (recorded in the audit; needs the right).")

    def handle(self, *args, path, file_format, status, lifecycle, user, **options):
        by = get_user_model().objects.filter(username=user, is_active=True).first()
        if by is None:
            raise CommandError(f"Unknown user: {user}")
        if not can(by, "customers.export"):
            raise CommandError(f"{user} may not export customers (manager, list maintainer or admin only).")
        target = Path(path)
        file_format = file_format or ("xlsx" if target.suffix.lower() == ".xlsx" else "csv")
        queryset = selectors.customer_list()
        filters = {}
        if status:
            queryset, filters["status"] = queryset.filter(dormancy__status=status), status
        if lifecycle:
            queryset, filters["lifecycle"] = queryset.filter(lifecycle=lifecycle), lifecycle
        with target.open("wb") as stream:
            audit = customer_export(queryset=queryset, stream=stream, by=by, file_format=file_format,
                                    filters=filters, via="command")  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"Wrote {audit.row_count} customers to {target} ({file_format})."))
