"""Uploaded and generated files are never served from a public media URL, in any settings module.

A signed-in sales rep could once fetch the maintainer's uploaded customer file from /media/ under the
settings `make run` uses; now nothing maps MEDIA_ROOT to a URL and the demo runs with DEBUG off.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESOLVE_MEDIA = (
    "import django; django.setup()\n"
    "from django.conf import settings\n"
    "from django.urls import Resolver404, resolve\n"
    "try:\n"
    "    resolve('/' + settings.MEDIA_URL.lstrip('/') + 'imports/2026/11/customers.csv')\n"
    "    print(settings.DEBUG, 'served')\n"
    "except Resolver404:\n"
    "    print(settings.DEBUG, 'not served')\n"
)


def _run(module, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE=module)
    result = subprocess.run([sys.executable, "-c", RESOLVE_MEDIA], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)  # fmt: skip
    return result.stdout.strip()


def test_the_demo_settings_run_with_debug_off():
    assert _run("config.settings.local") == "False not served"


@pytest.mark.parametrize(("module", "env"), [
    ("config.settings.local", {"DEBUG": "1"}),
    ("config.settings.production", {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "mezame.example.jp"}),
])  # fmt: skip
def test_no_settings_module_serves_media_files(module, env):
    assert _run(module, **env).endswith(" not served")


def test_a_signed_in_rep_gets_the_products_404_for_a_media_path(client, rep):
    client.force_login(rep)
    response = client.get("/media/imports/2026/11/customers.csv")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()  # the product's own page, in Japanese


def test_uploaded_files_get_random_names_without_the_users_file_name(maintainer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.models import ImportBatch

    names = []
    for _ in range(2):
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.CUSTOMERS, original_name="山田商事_顧客.csv",
                                           file=SimpleUploadedFile("山田商事_顧客.csv", b"code,name\n"),
                                           uploaded_by=maintainer)  # fmt: skip
        names.append(batch.file.name)
    assert names[0] != names[1]
    for name in names:
        folder, _sep, leaf = name.rpartition("/")
        assert folder.startswith("imports/") and leaf.endswith(".csv")
        assert "山田" not in name and len(leaf) >= 24
