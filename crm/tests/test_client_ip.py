"""The client address behind a reverse proxy: X-Forwarded-For believed only when a trusted proxy sent it.

Both limits that key on the address are exercised through the real views: django-axes' login lockout and
the inquiry form's rate limit.
"""
import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory

from conftest import PASSWORD
from crm.client_ip import client_ip

PROXY = "10.0.0.5"
LOGIN = "/accounts/login/"


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


class TestClientIp:
    def test_it_ignores_x_forwarded_for_when_no_proxy_is_trusted(self, settings):
        settings.MEZAME_TRUSTED_PROXIES = []
        assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"

    def test_it_ignores_x_forwarded_for_from_an_untrusted_sender(self, settings):
        settings.MEZAME_TRUSTED_PROXIES = [PROXY]
        assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"

    def test_it_takes_the_address_the_trusted_proxy_saw(self, settings):
        settings.MEZAME_TRUSTED_PROXIES = [PROXY]
        # The client forged the first entry; our proxy appended the address it really saw.
        assert client_ip(_request(PROXY, "1.2.3.4, 198.51.100.1")) == "198.51.100.1"

    def test_it_walks_through_a_chain_of_trusted_proxies(self, settings):
        settings.MEZAME_TRUSTED_PROXIES = ["10.0.0.0/24", "192.0.2.10"]
        assert client_ip(_request("10.0.0.7", "198.51.100.1, 192.0.2.10, 10.0.0.3")) == "198.51.100.1"

    def test_it_understands_ipv6(self, settings):
        settings.MEZAME_TRUSTED_PROXIES = ["::1"]
        assert client_ip(_request("::1", "2001:db8::7")) == "2001:db8::7"

    def test_it_falls_back_to_the_proxy_on_a_malformed_entry(self, settings):
        settings.MEZAME_TRUSTED_PROXIES = [PROXY]
        assert client_ip(_request(PROXY, "198.51.100.1, not-an-ip")) == PROXY

    def test_it_gives_none_for_a_request_without_an_address(self, settings):
        # force_login() and test requests may carry none; axes stores the value in an inet column.
        request = RequestFactory().get("/")
        del request.META["REMOTE_ADDR"]
        assert client_ip(request) is None

    def test_it_falls_back_to_the_proxy_without_a_header(self, settings):
        settings.MEZAME_TRUSTED_PROXIES = [PROXY]
        assert client_ip(_request(PROXY)) == PROXY


def _fail_logins(client, username, **extra):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)


class TestLoginLockoutBehindTheProxy:
    def test_an_attacker_behind_the_proxy_does_not_lock_out_the_real_user(self, client, rep, settings):
        settings.MEZAME_TRUSTED_PROXIES = [PROXY]
        _fail_logins(client, "rep1", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
        locked = client.post(LOGIN, {"username": "rep1", "password": PASSWORD},
                             REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")  # fmt: skip
        assert locked.status_code == 429
        response = client.post(LOGIN, {"username": "rep1", "password": PASSWORD},
                               REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")  # fmt: skip
        assert response.status_code == 302 and client.session[SESSION_KEY] == str(rep.pk)

    def test_a_forged_header_does_not_escape_the_lockout_without_a_trusted_proxy(self, client, rep, settings):
        settings.MEZAME_TRUSTED_PROXIES = []
        for n in range(settings.AXES_FAILURE_LIMIT):
            client.post(LOGIN, {"username": "rep1", "password": "wrong"},
                        REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")  # fmt: skip
        response = client.post(LOGIN, {"username": "rep1", "password": PASSWORD},
                               REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="198.51.100.200")  # fmt: skip
        assert response.status_code == 429 and SESSION_KEY not in client.session


def _inquiry(client, n, **extra):
    data = {"name": "山本 太郎", "company": "", "email": f"visitor{n}@example.jp", "phone": "",
            "message": "見積をお願いします", "consent": "", "website": ""}  # fmt: skip
    return client.post("/inquiry/", data, **extra)


@pytest.mark.django_db
class TestInquiryRateLimitBehindTheProxy:
    def test_visitors_behind_the_proxy_each_get_their_own_quota(self, client, settings):
        settings.MEZAME_TRUSTED_PROXIES = [PROXY]
        settings.MEZAME_INQUIRY_RATE_LIMIT = "2/h"
        for n in range(2):
            assert _inquiry(client, n, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 302
        assert _inquiry(client, 2, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
        assert _inquiry(client, 3, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 302

    def test_a_forged_header_does_not_reset_the_quota_without_a_trusted_proxy(self, client, settings):
        settings.MEZAME_TRUSTED_PROXIES = []
        settings.MEZAME_INQUIRY_RATE_LIMIT = "2/h"
        statuses = [_inquiry(client, n, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
                    for n in range(3)]  # fmt: skip
        assert statuses == [302, 302, 429]
