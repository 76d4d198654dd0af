"""The language switcher (ja/en) and the language of pages."""
from django.conf import settings

from conftest import PASSWORD


def _switch(client, language, next_url):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def test_it_offers_both_languages_in_the_switcher(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="ja"' in html
    assert 'name="language" value="en"' in html
    assert "日本語" in html
    assert "English" in html


def test_it_switches_the_login_page_to_english_for_an_anonymous_visitor(client, db):
    response = _switch(client, "en", "/accounts/login/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Username" in html


def test_it_switches_back_to_japanese(client, db):
    _switch(client, "en", "/accounts/login/")
    _switch(client, "ja", "/accounts/login/")
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="ja">' in html
    assert "ユーザー名" in html


def test_it_keeps_the_chosen_language_after_signing_in(client, rep):
    _switch(client, "en", "/accounts/login/")
    client.post("/accounts/login/", {"username": "rep1", "password": PASSWORD})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Sales rep" in html


def test_it_refuses_to_redirect_to_another_site_after_switching(client, db):
    response = _switch(client, "en", "http://evil.example/")
    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_it_ignores_an_unsupported_language(client, db):
    # Django may store the cookie, but pages only ever use a language from settings.LANGUAGES.
    _switch(client, "fr", "/accounts/login/")
    assert '<html lang="ja">' in client.get("/accounts/login/").content.decode()
