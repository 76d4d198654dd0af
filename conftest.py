"""Shared pytest fixtures: users per role, and markers for tests that need real PostgreSQL or Redis.

Tests marked `postgres` or `redis` skip with a reason when the server is not configured (the embedded
SQLite run); `.ci/run` sets both and fails the build if any such test was skipped.
"""
import os

import pytest
from django.conf import settings

from crm.roles import Role

PASSWORD = "mezame-Test-2026"


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(settings.REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, role, **extra):
        user = django_user_model.objects.create_user(
            username=username, password=PASSWORD, role=role, display_name=extra.pop("display_name", username), **extra
        )
        return user

    return make


@pytest.fixture
def rep(make_user):
    return make_user("rep1", Role.SALES_REP, display_name="佐藤 営業")


@pytest.fixture
def other_rep(make_user):
    return make_user("rep2", Role.SALES_REP, display_name="高橋 営業")


@pytest.fixture
def maintainer(make_user):
    return make_user("maintainer", Role.LIST_MAINTAINER, display_name="鈴木 リスト")


@pytest.fixture
def manager(make_user):
    return make_user("manager", Role.MANAGER, display_name="田中 部長")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", Role.ADMIN, display_name="管理者", is_staff=True, is_superuser=True)


@pytest.fixture
def users_by_role(rep, maintainer, manager, admin_user):
    return {Role.SALES_REP: rep, Role.LIST_MAINTAINER: maintainer, Role.MANAGER: manager, Role.ADMIN: admin_user}


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    yield
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache") and prefix:
        # Only this xdist worker's keys: cache.clear() would FLUSHDB the cache database that the other workers
        # use at the same time, losing their rate-limit counters mid-test.
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"mezame: database={db} redis={'yes' if settings.REDIS_URL else 'no'} pid={os.getpid()}"


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the caller: no worker in tests, even with Redis configured."""
    from config.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def run_at_once():
    """run(fn, times=2, in_transaction=False) -> (results, errors): fn in `times` threads, each on its own database
    connection, released together by a barrier (inside a transaction of its own when asked): for the tests of jobs
    that must be safe to run concurrently. A thread's exception would otherwise vanish, so it is returned."""
    import contextlib
    import threading

    from django.db import connection, transaction

    def run(fn, *, times=2, in_transaction=False):
        barrier, results, errors = threading.Barrier(times), [], []

        def one():
            try:
                with transaction.atomic() if in_transaction else contextlib.nullcontext():
                    barrier.wait(timeout=60)
                    results.append(fn())
            except Exception as error:  # returned to the test
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=one) for _ in range(times)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results, errors

    return run


@pytest.fixture
def english(settings):
    """Compare messages in English: the UI defaults to Japanese, whose catalogue tests/test_translations.py checks."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
