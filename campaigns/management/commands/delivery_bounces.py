"""Read a bounce mailbox (a Maildir, an mbox file, or .eml files) and suppress the addresses that bounced hard."""
import mailbox
from pathlib import Path

from django.core.management.base import BaseCommand

from campaigns.delivery.bounces import bounce_message_process


class Command(BaseCommand):
    help = "Suppress the addresses reported as permanently failed by the bounce messages in a mailbox."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a Maildir folder, an mbox file, or a folder of .eml files")

    def handle(self, *args, path, **options):
        source = Path(path)
        if (source / "cur").is_dir() or (source / "new").is_dir():
            messages = (message.as_bytes() for message in mailbox.Maildir(source, create=False))
        elif source.is_dir():
            messages = (file.read_bytes() for file in sorted(source.glob("*.eml")))
        else:
            messages = (message.as_bytes() for message in mailbox.mbox(source, create=False))
        suppressed = []
        for raw in messages:
            suppressed.extend(bounce_message_process(raw))
        self.stdout.write(f"{len(suppressed)} address(es) suppressed")
