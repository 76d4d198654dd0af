"""The start every database benchmark shares: Django pointed at the benchmark's database, PostgreSQL only."""
import os
import sys


def setup_postgres(dsn=None, *, default_dsn=None):
    """Set Django up on `dsn` (else DATABASE_URL, else `default_dsn`); exit unless that is PostgreSQL.

    DEBUG is forced off: with it on Django keeps every query in memory, which skews long timed runs.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if dsn:
        os.environ["DATABASE_URL"] = dsn
    elif default_dsn:
        os.environ.setdefault("DATABASE_URL", default_dsn)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("needs PostgreSQL: pass --dsn or set DATABASE_URL")
    settings.DEBUG = False
