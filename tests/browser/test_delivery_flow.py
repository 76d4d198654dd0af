"""Delivery in the browser: a manager renders, downloads and posts a letter batch; a recipient unsubscribes from a
message received by a real SMTP server, following the link in it, without signing in."""
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from campaigns.channels import channel_handler
from campaigns.delivery import outbox
from campaigns.models import CampaignContact, LetterBatch
from campaigns.tests import delivery_support
from campaigns.tests.delivery_support import executions, launched_step, links_in, parts_of
from campaigns.tests.support import customer

pytestmark = pytest.mark.browser
smtp_server = delivery_support.smtp_server  # the fixture


def test_a_manager_renders_downloads_and_posts_a_letter_batch(eager_tasks, manager_page, live_url, tmp_path):
    page = manager_page
    people = [customer(name="株式会社大阪物産", postal_code="530-0001", prefecture="大阪府", address="大阪市北区梅田1-1"),
              customer(name="株式会社札幌食品", postal_code="060-0001", prefecture="北海道", address="札幌市中央区1-1")]
    step = launched_step(channel="dm", customers=people, subject="秋のご案内", body="いつもありがとうございます。")
    channel_handler("dm")(step=step, executions=executions(step), now=timezone.now())
    batch = LetterBatch.objects.get(step=step)

    page.goto(f"{live_url}/campaigns/delivery/steps/{step.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=batch-link]")
    page.locator("[data-testid=render-form] select[name=label_layout]").select_option("24")
    with page.expect_navigation():
        page.click("[data-testid=render-form] button[type=submit]")
    assert LetterBatch.objects.get(pk=batch.pk).state == "ready"  # rendered by the (eager) task
    with page.expect_download() as download_info:
        page.click("[data-testid=batch-download]")
    path = tmp_path / "letters.pdf"
    download_info.value.save_as(path)
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(path.read_bytes())).pages)
    text = "".join(text.split())
    # Sapporo (060) before Osaka (530): the letters come in postal-code order.
    assert text.index("株式会社札幌食品") < text.index("株式会社大阪物産")

    with page.expect_navigation():
        page.click("[data-testid=batch-posted]")
    assert CampaignContact.objects.filter(step=step).count() == 2


def test_a_recipient_unsubscribes_with_the_link_in_the_received_message(smtp_server, settings, page, live_url):
    settings.MEZAME_SITE_URL = live_url
    reader = customer(name="株式会社配信停止", email="stop@example.jp")
    step = launched_step(customers=[reader], subject="春のご案内", body="新製品のご案内です。")
    channel_handler("email")(step=step, executions=executions(step), now=timezone.now())
    # Without a broker (the embedded default) the queued send task already ran in-process; with one, no worker
    # runs here, so this batch sends it. Either way exactly one message arrives.
    outbox.outbox_send_batch()
    (message,) = smtp_server.messages
    text, _html = parts_of(message)
    link = next(url for url in links_in(text) if "/delivery/u/" in url)
    assert link.startswith(live_url)

    page.goto(link)  # no session: the recipient is not a user
    page.click("[data-testid=unsubscribe-button]")
    page.locator("[data-testid=unsubscribed]").wait_for()
    reader.refresh_from_db()
    assert reader.has_email_consent is False
    assert reader.email_consent_changed_at is not None
