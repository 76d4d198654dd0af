"""Celery: eager in-process execution without a broker, and a real worker round trip through Redis."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings

from config.celery import app
from crm.tasks import ping

ROOT = Path(__file__).resolve().parent.parent.parent
CELERY = Path(sys.executable).with_name("celery")


def test_it_discovers_the_tasks_of_every_app():
    app.loader.import_default_modules()
    assert "crm.tasks.ping" in app.tasks


def test_it_uses_the_database_scheduler_in_tokyo_time():
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.conf.timezone == "Asia/Tokyo"


def test_it_runs_tasks_eagerly_in_process_without_redis():
    # A fresh interpreter without REDIS_URL is exactly the embedded `make run` setting.
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    code = (
        "import django; django.setup()\n"
        "from crm.tasks import ping\n"
        "result = ping.delay()\n"
        "print(type(result).__name__, result.get(timeout=1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "EagerResult pong"


@pytest.mark.redis
def test_it_runs_a_task_on_a_real_worker_through_redis(tmp_path):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    # A queue of our own, so a worker of another test run on the same Redis cannot take the task.
    queue = f"test-ping-{uuid.uuid4().hex[:12]}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", REDIS_URL=settings.REDIS_URL)
    # The log goes to a file: a pipe nobody reads while waiting could fill up and block the worker.
    log_path = tmp_path / "worker.log"
    log_file = log_path.open("w")
    worker = subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "--pool", "solo", "--concurrency", "1", "-Q", queue,
         "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    try:
        result = ping.apply_async(queue=queue)
        try:
            # Generous: on a busy CI machine the worker needs a while to import Django and the apps.
            value = result.get(timeout=180)
        except CeleryTimeoutError:
            value = None
    finally:
        worker.terminate()  # SIGTERM: Celery's warm shutdown
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log_file.close()
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert value == "pong", f"no answer from the worker; its log:\n{log}"
    assert result.successful()
    assert worker.returncode == 0, log
    assert "crm.tasks.ping" in log
    assert "succeeded" in log
