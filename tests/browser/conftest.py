"""Browser-test harness: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Fixtures other test modules use:
- `live_url`: base URL of the live server, without a trailing slash.
- `page`: a fresh browser context per test (locale ja-JP, Asia/Tokyo); on failure a screenshot and the
  page's HTML go to test-artifacts/.
- `login(page, user)`: signs in through the real login form (users from conftest have conftest.PASSWORD).
- `rep_page`, `maintainer_page`, `manager_page`, `admin_page`: a page already signed in as that role.

We never download a browser: Chromium comes from the distribution (.ci/run installs it when missing).
"""
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = Path(os.environ.get("MEZAME_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
DEFAULT_TIMEOUT_MS = 15_000


def _password():
    # The root conftest is imported by pytest as the top-level module "conftest".
    from conftest import PASSWORD

    return PASSWORD


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Remember each phase's outcome on the item so the page fixture knows whether the test failed.
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def _playwright():
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for as long as it lives, and Django
    # refuses DB access from a thread with a running loop: allow it exactly while Playwright is up. (Subprocesses
    # that must not inherit it, like `check --deploy`, drop it from their environment.)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def live_url(live_server):
    return live_server.url.rstrip("/")


@pytest.fixture
def page(browser, request, live_url):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _save_artifacts(page, request.node.nodeid)
    context.close()


def _save_artifacts(page, nodeid):
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-150:]
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        (ARTIFACTS / f"{stem}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:  # a crashed page must not hide the test's own failure
        print(f"could not save browser artifacts for {nodeid}: {exc}")


@pytest.fixture
def login(live_url):
    """login(page, user, password=None): sign in through the login form and wait for the home page."""

    def sign_in(page, user, password=None):
        page.goto(f"{live_url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password or _password())
        with page.expect_navigation():
            page.click("form[action$='/accounts/login/'] button[type=submit]")
        return page

    return sign_in


@pytest.fixture
def rep_page(page, login, rep):
    return login(page, rep)


@pytest.fixture
def maintainer_page(page, login, maintainer):
    return login(page, maintainer)


@pytest.fixture
def manager_page(page, login, manager):
    return login(page, manager)


@pytest.fixture
def admin_page(page, login, admin_user):
    return login(page, admin_user)
