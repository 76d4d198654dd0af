"""Checks an upload form runs on an import file before it is kept: its kind (by name) and its size.

One limit for every import screen, settings.MEZAME_IMPORT_MAX_BYTES (env IMPORT_MAX_BYTES, 50 MB by default):
Django streams uploaded files to disk whatever their size, so the form is where a too-large file is refused.
"""
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

IMPORT_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


def clean_import_upload(upload):
    """The upload, or forms.ValidationError saying what is wrong with it."""
    if not upload.name.lower().endswith(IMPORT_EXTENSIONS):
        raise forms.ValidationError(_("Upload a CSV, tab-separated text or Excel (.xlsx) file."))
    limit = settings.MEZAME_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(size)s; files up to %(limit)s can be imported. Split it into smaller files and import "
              "them one after another.") % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)})
    return upload
