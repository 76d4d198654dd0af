"""The import's batch page: one summary that counts rows (and errors), and the warnings grouped, with headers."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from config.celery import app as celery_app
from customers.customer_import import customer_batch_create, plan_for_bytes
from customers.models import ImportBatch

pytestmark = pytest.mark.django_db
HEADER = "code,name,phone,email,postal_code,kind,fiscal_month,rep"
UNKNOWN_REP = "山田"  # no user is called that


def _file():
    """20 rows: 14 name a rep nobody is called, 3 share a company name, 2 have 3 and 2 errors."""
    lines = [HEADER]
    for n in range(1, 19):
        name = "共通商事株式会社" if n in (15, 16, 17) else f"テスト商事{n}"
        lines.append(f"S{n:02d},{name},03-1234-{5600 + n},s{n}@example.jp,100-0001,法人,3,{UNKNOWN_REP if n <= 14 else ''}")
    lines.append("S19,誤り商事,12,not-an-email,12,法人,3,")  # phone, e-mail, postal code: 3 errors
    lines.append("S20,誤り工業,03-1234-5620,,100-0001,corporation,13,")  # kind, fiscal month: 2 errors
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def _eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def batch(maintainer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = customer_batch_create(upload=SimpleUploadedFile("customers.csv", _file()), by=maintainer)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.VALIDATED, batch.message
    return batch


def test_the_warnings_are_grouped_and_all_counted():
    plan = plan_for_bytes(_file(), "customers.csv")
    assert (plan.row_count, plan.valid_count, plan.rejected_count, plan.error_count) == (20, 18, 2, 5)
    groups = {(g.column, tuple(g.values)): g for g in plan.warning_groups}
    rep = groups[("rep", (UNKNOWN_REP,))]
    assert (rep.count, rep.lines) == (14, list(range(2, 12)))  # all counted, the first ten lines named
    assert plan.warning_groups[0] is rep  # the most frequent first
    duplicates = [g for g in plan.warning_groups if g.column == "code"]
    assert [(g.count, g.values) for g in duplicates] == [(2, ["S16", "S17"]), (1, ["S17"])]  # of S15, of S16
    assert sum(g.count for g in plan.warning_groups) == plan.warning_count == 17


def _page(client, batch, language):
    with translation.override(language):
        response = client.get(reverse("customers:import_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_summarises_rows_in_english(english, batch, client_for, maintainer, settings):
    settings.LANGUAGE_CODE = "en"
    html = _page(client_for(maintainer), batch, "en")
    assert html.count('data-testid="import-summary"') == 1
    assert "20 rows, 18 ready to import, 2 with errors (5 errors), 17 warnings" in _text(html)
    warnings = html[html.index('data-testid="import-warnings"'):]
    warnings = warnings[: warnings.index("</table>")]
    assert "<thead>" in warnings and "Problem" in _text(warnings) and "Lines" in _text(warnings)
    assert _text(warnings).count(UNKNOWN_REP) == 2  # the value and the reason, once: not fourteen rows
    assert f" {UNKNOWN_REP} No active user is called “{UNKNOWN_REP}”; the customer is left unassigned. 14 rows " in _text(warnings)


def test_the_page_summarises_rows_in_japanese(batch, client_for, maintainer, settings):
    settings.LANGUAGE_CODE = "ja"
    with translation.override("ja"):
        if translation.gettext("Lines") == "Lines":
            pytest.skip("the Japanese strings of this page are not in the compiled catalogue yet")
    text = _text(_page(client_for(maintainer), batch, "ja"))
    assert "20 行、18 行取り込み可、2 行エラー（5 件）" in text
    assert "20 行、18 行取り込み可、2 行エラー（5 件）、警告 17 件" in text
    assert " 14 行 " in text  # the unknown rep's group
