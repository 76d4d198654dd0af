"""The translation catalogues: Japanese complete and compiled, English present, pages served in both languages.

The .mo files are committed because a fresh machine has no GNU gettext; these tests catch a catalogue that
was refreshed with `make messages` but left with gaps, guesses (fuzzy) or an uncompiled .mo.
"""
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
JA_PO = LOCALE / "ja" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
# Python %-style, brace-style and literal %% placeholders: a translation must keep exactly the same set.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr%]|\{\w*\}")


def _entries(path):
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def _label(entry):
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _translations(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_it_declares_japanese_in_a_valid_header():
    po = polib.pofile(str(JA_PO))
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "ja"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_it_translates_every_japanese_entry():
    untranslated = [_label(e) for e in _entries(JA_PO) if not all(t.strip() for t in _translations(e))]
    assert len(_entries(JA_PO)) > 0
    assert untranslated == []


def test_it_leaves_no_fuzzy_guess_in_the_japanese_catalogue():
    assert [_label(e) for e in _entries(JA_PO) if "fuzzy" in e.flags] == []


def test_it_gives_japanese_plurals_a_single_form():
    plurals = [e for e in _entries(JA_PO) if e.msgid_plural]
    assert [_label(e) for e in plurals if sorted(e.msgstr_plural) != [0]] == []


def test_it_keeps_the_placeholders_of_every_message():
    mismatched = []
    for entry in _entries(JA_PO):
        expected = _placeholders(entry.msgid)
        for text in _translations(entry):
            if text and _placeholders(text) != expected:
                mismatched.append((_label(entry), expected, _placeholders(text)))
    assert mismatched == []


def test_it_serves_the_compiled_japanese_catalogue_that_matches_the_po_file():
    stale = []
    with translation.override("ja"):
        for entry in _entries(JA_PO):
            if entry.msgid_plural:
                expected = entry.msgstr_plural[0]
                if entry.msgctxt:
                    got = translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                else:
                    got = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
            else:
                expected = entry.msgstr
                if entry.msgctxt:
                    got = translation.pgettext(entry.msgctxt, entry.msgid)
                else:
                    got = translation.gettext(entry.msgid)
            if got != expected:
                stale.append(_label(entry))
    assert stale == [], "run `make messages` (compilemessages) and commit the .mo files"


def test_it_has_a_valid_english_catalogue_with_the_same_messages():
    po = polib.pofile(str(EN_PO))
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "en"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert (EN_PO.with_suffix(".mo")).is_file()
    assert {_label(e) for e in _entries(EN_PO)} == {_label(e) for e in _entries(JA_PO)}


def test_it_shows_the_login_page_in_japanese_by_default(client, db):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "ログイン" in html
    assert "Log in" not in html


@pytest.mark.parametrize("how", ["cookie", "accept_language"])
def test_it_shows_the_login_page_in_english_when_asked(client, db, how):
    headers = {}
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    else:
        headers["Accept-Language"] = "en-US,en;q=0.9"
    response = client.get("/accounts/login/", headers=headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "ログイン" not in html
