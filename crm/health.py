"""Health checks used by /healthz: the database always, Redis when one is configured."""
from django.conf import settings
from django.db import DatabaseError, connection


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:  # unreachable, refused, bad credentials: all mean "down" for the report
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": True, "vendor": connection.vendor}


def check_redis():
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "configured": True, "error": str(exc)[:200]}
    return {"ok": True, "configured": True}


def health_report():
    checks = {"database": check_database(), "redis": check_redis()}
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}
