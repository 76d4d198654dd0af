"""Settings come from the environment; production settings are secure."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_it_uses_tokyo_time_and_japanese_first():
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.LANGUAGE_CODE == "ja"
    assert [code for code, _ in settings.LANGUAGES] == ["ja", "en"]
    assert settings.USE_TZ


def test_it_uses_the_custom_user_model():
    assert settings.AUTH_USER_MODEL == "crm.User"


def test_it_runs_tasks_in_process_without_a_broker():
    # The embedded default and the production shape differ only by REDIS_URL.
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)


def _settings_in_subprocess(module, env_overrides, expression):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE=module)
    code = f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_it_defaults_to_sqlite_in_the_project_folder():
    out = _settings_in_subprocess(
        "config.settings.local", {}, "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_TASK_ALWAYS_EAGER"
    )
    assert "sqlite3" in out
    assert str(ROOT / "db.sqlite3") in out
    assert out.endswith(" True")


def test_it_reads_database_and_redis_from_the_environment():
    out = _settings_in_subprocess(
        "config.settings.local",
        {"DATABASE_URL": "postgres://u:p@db.internal:5433/mezame", "REDIS_URL": "redis://cache.internal:6379/2"},
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER",
    )
    assert out == "django.db.backends.postgresql db.internal redis://cache.internal:6379/2 False"


def test_it_keeps_the_cache_out_of_the_brokers_redis_database():
    # A cache.clear() must never delete queued Celery tasks.
    out = _settings_in_subprocess(
        "config.settings.local",
        {"REDIS_URL": "redis://cache.internal:6379/2"},
        "s.CELERY_BROKER_URL, s.CACHES['default']['LOCATION']",
    )
    assert out == "redis://cache.internal:6379/2 redis://cache.internal:6379/3"


def test_production_check_deploy_prints_no_warnings():
    # DJANGO_ALLOW_ASYNC_UNSAFE belongs to browser tests only; never part of a deployment.
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="mezame.example.jp",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_reads_hosts_and_mail_server_from_the_environment():
    out = _settings_in_subprocess(
        "config.settings.local",
        {"ALLOWED_HOSTS": "a.example.jp,b.example.jp", "EMAIL_URL": "smtp+tls://user:pw@mail.example.jp:587"},
        "s.ALLOWED_HOSTS, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS",
    )
    assert out == "['a.example.jp', 'b.example.jp'] django.core.mail.backends.smtp.EmailBackend mail.example.jp 587 True"


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="mezame.example.jp")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_is_never_in_debug_and_keeps_cookies_secure():
    out = _settings_in_subprocess(
        "config.settings.production",
        {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "mezame.example.jp", "DEBUG": "true"},
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_REDIRECT_EXEMPT",
    )
    assert out == "False True True True ['^healthz$']"
