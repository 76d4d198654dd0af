"""/healthz: JSON about the database and Redis, 200 when both are fine, 503 when either is down."""
import socket

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler

from crm import health


def _closed_port():
    # Bind then release a port: nothing listens there afterwards, so connections are refused at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broken_database(monkeypatch, tmp_path):
    """A real connection of the configured kind that cannot be opened (closed port / unreachable file)."""
    config = dict(settings.DATABASES["default"])
    if config["ENGINE"].endswith("sqlite3"):
        config["NAME"] = str(tmp_path / "no-such-dir" / "db.sqlite3")
    else:
        config.update(HOST="127.0.0.1", PORT=str(_closed_port()), OPTIONS={"connect_timeout": 2})
    config.pop("TEST", None)
    connections = ConnectionHandler({"default": config})
    monkeypatch.setattr(health, "connection", connections["default"])
    yield
    connections.close_all()


def test_it_reports_a_healthy_database_without_redis(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "ok": True,
        "checks": {"database": {"ok": True, "vendor": connection.vendor}, "redis": {"ok": True, "configured": False}},
    }


def test_it_needs_no_login_and_is_not_cached(client, db):
    response = client.get("/healthz")
    assert response.status_code in (200, 503)
    assert "no-cache" in response["Cache-Control"]


def test_it_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_it_returns_503_when_redis_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["configured"] is True
    assert body["checks"]["redis"]["error"]


def test_it_returns_503_when_the_database_is_down(client, db, settings, broken_database):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"]
    assert body["checks"]["redis"] == {"ok": True, "configured": False}


@pytest.mark.redis
def test_it_reports_a_reachable_redis(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"ok": True, "configured": True}
