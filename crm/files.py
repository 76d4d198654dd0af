"""Names for the files Mezame keeps (uploads, rejected rows, generated documents): never guessable.

MEDIA_ROOT is not served as a URL (see config/urls.py); a view that checks the user's right streams each file.
The random part of the name is a second wall: a path that leaks into a log or a support ticket still does
not lead to the next customer file, and the user's own file name (which may hold a customer's name) is not
written to disk.
"""
import secrets
from pathlib import PurePath

from django.utils import timezone

_SAFE_SUFFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def private_name(folder, original_name="", default_suffix=""):
    """'folder/YYYY/MM/<random>.ext', keeping only a short, plain suffix of the original name."""
    suffix = PurePath(original_name).suffix.lower().lstrip(".")
    if not suffix or len(suffix) > 5 or not set(suffix) <= _SAFE_SUFFIX_CHARS:
        suffix = default_suffix
    now = timezone.localtime()
    name = f"{folder}/{now:%Y/%m}/{secrets.token_urlsafe(18)}"
    return f"{name}.{suffix}" if suffix else name


def import_upload_to(instance, filename):
    """upload_to of ImportBatch.file (the original name is kept in ImportBatch.original_name)."""
    return private_name("imports", filename)
