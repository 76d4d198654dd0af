"""Sign-in, sign-out, password change (in Japanese and English) and login throttling with django-axes."""
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from conftest import PASSWORD

LOGIN = "/accounts/login/"


def _post_login(client, username, password, next_url=None, **extra):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN + (f"?next={next_url}" if next_url else ""), data, **extra)


class TestLoginPage:
    def test_it_is_in_japanese_by_default(self, client, db):
        response = client.get(LOGIN)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="ja">' in html
        assert "ユーザー名" in html  # Django's own catalogue labels the form
        assert "パスワード" in html

    def test_it_is_in_english_when_the_browser_asks_for_it(self, client, db):
        response = client.get(LOGIN, headers={"accept-language": "en"})
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert "Username" in html
        assert "Log in" in html

    def test_it_serves_only_the_login_page_to_anonymous_visitors(self, client, db):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next=/"


class TestLogin:
    def test_it_signs_in_and_goes_home(self, client, rep):
        response = _post_login(client, "rep1", PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert client.session[SESSION_KEY] == str(rep.pk)

    def test_it_follows_a_local_next_url(self, client, rep):
        response = _post_login(client, "rep1", PASSWORD, next_url="/customers/")
        assert response["Location"] == "/customers/"

    @pytest.mark.parametrize("evil", ["http://evil.example/", "//evil.example/x", "https://evil.example/login"])
    def test_it_refuses_to_redirect_to_another_site(self, client, rep, evil):
        response = _post_login(client, "rep1", PASSWORD, next_url=evil)
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert "evil" not in response["Location"]

    def test_it_does_not_offer_a_foreign_next_url_on_the_form(self, client, db):
        response = client.get(LOGIN, {"next": "http://evil.example/"})
        assert response.status_code == 200
        # The form's own hidden field is emptied; (the language switcher keeps the page's path, which is local).
        assert '<input type="hidden" name="next" value="">' in response.content.decode()

    def test_it_shows_an_error_for_a_wrong_password_in_japanese(self, client, rep):
        response = _post_login(client, "rep1", "wrong-password")
        assert response.status_code == 200
        assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()
        assert SESSION_KEY not in client.session

    def test_it_shows_an_error_for_a_wrong_password_in_english(self, client, rep):
        response = _post_login(client, "rep1", "wrong-password", headers={"accept-language": "en"})
        assert "Please enter a correct username and password" in response.content.decode()
        assert SESSION_KEY not in client.session

    def test_it_refuses_a_deactivated_user(self, client, rep):
        rep.is_active = False
        rep.save(update_fields=["is_active"])
        response = _post_login(client, "rep1", PASSWORD)
        assert response.status_code == 200
        assert SESSION_KEY not in client.session


class TestThrottling:
    def test_it_locks_the_account_after_the_failure_limit_with_a_clear_message(self, client, rep):
        limit = settings.AXES_FAILURE_LIMIT
        for _ in range(limit - 1):
            assert _post_login(client, "rep1", "wrong").status_code == 200
        response = _post_login(client, "rep1", "wrong")
        assert response.status_code == 429
        assert 'data-testid="locked-out"' in response.content.decode()
        assert AccessAttempt.objects.get(username="rep1").failures_since_start == limit

    def test_it_refuses_even_the_right_password_while_locked(self, client, rep):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _post_login(client, "rep1", "wrong")
        response = _post_login(client, "rep1", PASSWORD)
        assert response.status_code == 429
        assert SESSION_KEY not in client.session

    def test_it_does_not_lock_other_users(self, client, rep, other_rep):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _post_login(client, "rep1", "wrong")
        response = _post_login(client, "rep2", PASSWORD)
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(other_rep.pk)

    def test_it_forgets_earlier_failures_after_a_successful_login(self, client, rep):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            _post_login(client, "rep1", "wrong")
        assert _post_login(client, "rep1", PASSWORD).status_code == 302
        assert not AccessAttempt.objects.filter(username="rep1").exists()


class TestLogout:
    def test_it_signs_out_on_post_and_returns_to_login(self, client, rep):
        client.force_login(rep)
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert response["Location"] == reverse("login")
        assert SESSION_KEY not in client.session

    def test_it_does_not_sign_out_on_a_get(self, client, rep):
        # A link (or an image tag on another site) must not be able to log people out.
        client.force_login(rep)
        assert client.get("/accounts/logout/").status_code == 405
        assert client.session[SESSION_KEY] == str(rep.pk)


class TestPasswordChange:
    URL = "/accounts/password/"

    def test_it_shows_the_form_in_japanese(self, client, rep):
        client.force_login(rep)
        response = client.get(self.URL)
        assert response.status_code == 200
        assert "元のパスワード" in response.content.decode()

    def test_it_shows_the_form_in_english(self, client, rep):
        client.force_login(rep)
        response = client.get(self.URL, headers={"accept-language": "en"})
        assert "Old password" in response.content.decode()

    def test_it_changes_the_password_and_keeps_the_user_signed_in(self, client, rep):
        client.force_login(rep)
        new = "Kenzai-Tonya-2027!"
        response = client.post(self.URL, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
        assert response.status_code == 302
        assert response["Location"] == reverse("password_change_done")
        rep.refresh_from_db()
        assert rep.check_password(new)
        assert client.session[SESSION_KEY] == str(rep.pk)
        done = client.get(response["Location"])
        assert done.status_code == 200
        assert "alert-success" in done.content.decode()

    def test_it_refuses_a_wrong_old_password(self, client, rep):
        client.force_login(rep)
        new = "Kenzai-Tonya-2027!"
        response = client.post(self.URL, {"old_password": "nope", "new_password1": new, "new_password2": new})
        assert response.status_code == 200
        assert "元のパスワードが間違っています" in response.content.decode()
        rep.refresh_from_db()
        assert rep.check_password(PASSWORD)

    def test_it_refuses_a_too_simple_password(self, client, rep):
        client.force_login(rep)
        response = client.post(
            self.URL,
            {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 200
        assert "This password is entirely numeric." in response.content.decode()
        rep.refresh_from_db()
        assert rep.check_password(PASSWORD)

    def test_it_sends_anonymous_visitors_to_login(self, client, db):
        response = client.get(self.URL)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={self.URL}"
