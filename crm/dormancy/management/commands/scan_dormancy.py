"""manage.py scan_dormancy [--as-of YYYY-MM-DD] [--full]: the nightly scan by hand; prints counts per status and change."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from crm.dormancy.models import ScanRun
from crm.dormancy.pipeline import scan_dormancy


def as_of_date(text):
    """The --as-of argument of the dormancy commands as a date; a clear error for anything else."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {text!r}") from exc


class Command(BaseCommand):
    help = "Classify every customer's dormancy as of a date (default today), record changes, refit the model."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="scan date, YYYY-MM-DD (default: today, Asia/Tokyo)")
        parser.add_argument(
            "--full", action="store_true", default=None,
            help="rebuild the figures from the purchases instead of trusting the summaries (done weekly anyway)",
        )

    def handle(self, *args, as_of=None, full=None, **options):
        run = scan_dormancy(as_of=as_of_date(as_of) if as_of else None, triggered_by="command", full=full)
        if run.outcome == ScanRun.Outcome.REFUSED:
            raise CommandError("another dormancy scan is running; nothing was done")
        out = self.stdout
        out.write(f"dormancy scan as of {run.as_of}: {run.outcome} in {run.duration_seconds:.1f}s (run {run.pk})")
        out.write(f"customers: {run.counts.get('customers', 0)}")
        out.write("per status:")
        for status, count in run.counts.get("statuses", {}).items():
            out.write(f"  {status:<10} {count:>9}")
        changes = run.counts.get("changes", {})
        out.write("changes:" if changes else "changes: none")
        for change, count in changes.items():
            out.write(f"  {change:<22} {count:>9}")
        model = run.counts.get("model", {})
        if "r" in model:
            out.write(
                f"BG/NBD: r={model['r']} alpha={model['alpha']} a={model['a']} b={model['b']} "
                f"LL={model['log_likelihood']} on {model['n_customers']} customers"
            )
        elif model:
            out.write(f"BG/NBD: skipped ({model.get('skipped')})")
