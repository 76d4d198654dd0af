"""The documents and deployment files tell the truth: compose is valid and complete, README covers every setting."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_ENV = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_the_production_shape():
    services = _compose()["services"]
    assert set(services) >= {"web", "worker", "beat", "postgres", "redis"}


def test_compose_runs_the_web_on_gunicorn_with_production_settings():
    compose = _compose()
    web = compose["services"]["web"]
    command = " ".join(web["command"]) if isinstance(web["command"], list) else web["command"]
    assert "gunicorn config.wsgi" in command
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        env = service.get("environment", {})
        assert env.get("DJANGO_SETTINGS_MODULE") == "config.settings.production", name
        assert env.get("DATABASE_URL", "").startswith("postgres://"), name
        assert env.get("REDIS_URL", "").startswith("redis://"), name
        assert set(service["depends_on"]) >= {"postgres", "redis"}, name


def test_compose_runs_worker_and_beat_with_the_database_scheduler():
    services = _compose()["services"]
    assert "celery -A config worker" in " ".join(services["worker"]["command"])
    beat = " ".join(services["beat"]["command"])
    assert "celery -A config beat" in beat
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_compose_builds_from_a_dockerfile_that_exists():
    web = _compose()["services"]["web"]
    assert (ROOT / web["build"]["context"] / web["build"].get("dockerfile", "Dockerfile")).exists()


def test_readme_documents_every_environment_variable_the_settings_read():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(SETTINGS_ENV.findall(path.read_text(encoding="utf-8")))
    assert names >= {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}  # the pattern does find them
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"README configuration reference lacks: {missing}"


def test_readme_gives_the_two_commands_and_the_celery_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in ("make run", "make test", "celery -A config worker", "celery -A config beat", "## Features"):
        assert text in readme, text
