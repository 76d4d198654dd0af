"""manage.py export_customers PATH [--format csv|xlsx] [--status S] [--lifecycle L] --user USERNAME

Goes through customers.export.export_write like the export button: the same permission, columns and audit.
The header and values are the English codes (the button writes them in the user's language unless asked).
"""
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from crm.choices import DormancyStatus
from customers import selectors
from customers.export import FORMATS, export_write
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
        target = Path(path)
        file_format = file_format or ("xlsx" if target.suffix.lower() == ".xlsx" else "csv")
        queryset = selectors.customer_list()
        filters = {}
        if status:
            queryset, filters["status"] = queryset.filter(dormancy__status=status), status
        if lifecycle:
            queryset, filters["lifecycle"] = queryset.filter(lifecycle=lifecycle), lifecycle
        try:
            export = export_write(by=by, kind="customers", queryset=queryset, file_format=file_format,
                                  filters=filters, via="command", codes=True)  # fmt: skip
        except PermissionDenied as refused:
            raise CommandError(f"{user} may not export customers: {getattr(refused, 'reason', refused)}") from None
        # Written to the target only once the export (and its audit row) succeeded: no half file on a refusal.
        with export.stream, target.open("wb") as out:
            shutil.copyfileobj(export.stream, out)
        self.stdout.write(self.style.SUCCESS(f"Wrote {export.audit.row_count} customers to {target} ({file_format})."))
