"""End-to-end sign-in: each role sees its own navigation; bad passwords and anonymous visits are refused."""
import pytest

pytestmark = pytest.mark.browser


def _nav_names(page):
    return set(page.locator("[data-testid=nav] a[data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)"))


def test_it_shows_a_rep_the_shared_navigation_without_rules_or_administration(rep_page, live_url):
    assert rep_page.url == f"{live_url}/"
    names = _nav_names(rep_page)
    assert "home" in names
    assert "dormancy:rules" not in names
    assert "admin:index" not in names
    assert "佐藤 営業" in rep_page.locator("[data-testid=user-menu]").inner_text()


def test_it_shows_a_manager_the_navigation_without_administration(manager_page):
    names = _nav_names(manager_page)
    assert "home" in names
    assert "admin:index" not in names
    assert "田中 部長" in manager_page.locator("[data-testid=user-menu]").inner_text()


def test_it_shows_the_administration_entry_to_an_admin(admin_page):
    names = _nav_names(admin_page)
    assert "admin:index" in names
    assert admin_page.locator("[data-nav='admin:index']").get_attribute("href") == "/admin/"


def test_it_shows_a_maintainer_the_navigation_without_administration(maintainer_page):
    names = _nav_names(maintainer_page)
    assert "home" in names
    assert "admin:index" not in names


def test_it_rejects_a_wrong_password_with_an_error(page, live_url, rep):
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", rep.username)
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.click("form[action$='/accounts/login/'] button[type=submit]")
    assert page.url.startswith(f"{live_url}/accounts/login/")
    # Django's Japanese message for a failed login.
    assert "正しいユーザー名とパスワードを入力してください" in page.locator(".alert-danger").first.inner_text()
    assert page.locator("[data-testid=nav]").count() == 0


def test_it_redirects_an_anonymous_visitor_to_the_login_page(page, live_url, db):
    page.goto(f"{live_url}/")
    assert page.url == f"{live_url}/accounts/login/?next=/"
    assert page.locator("input[name=password]").count() == 1
    assert page.locator("html").get_attribute("lang") == "ja"


def test_it_logs_out_back_to_the_login_page(rep_page, live_url):
    rep_page.click("[data-testid=user-menu]")
    with rep_page.expect_navigation():
        rep_page.click("[data-testid=logout]")
    assert rep_page.url == f"{live_url}/accounts/login/"
    rep_page.goto(f"{live_url}/")
    assert rep_page.url.startswith(f"{live_url}/accounts/login/")
