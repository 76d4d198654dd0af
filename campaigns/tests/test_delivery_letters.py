"""Printed letters: the dm handler collects a step's letters into one open batch, the PDF holds the cover sheet,
the letters and the labels in postal-code order with the right Japanese text, customers without a deliverable
address are listed apart, and posting records each printed letter as a contact once."""
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from campaigns.channels import channel_handler
from campaigns.delivery import letters, merge
from campaigns.models import CampaignContact, LetterBatch, LetterBatchItem
from campaigns.tests.delivery_support import executions, launched_step
from campaigns.tests.support import customer
from customers.models import Contact

pytestmark = pytest.mark.django_db

BODY = "{{ reason_paragraph }}\n前回ご購入いただいた「{{ last_product }}」の後継機をご用意しました。"


def coupons(step, customer_ids, round=1):
    """A stand-in for campaigns.coupons' provider, plugged in through the registry."""
    return {pk: {"coupon_code": f"HARU-{pk:04d}", "coupon_offer": "全品10%引き",
                 "coupon_expires_on": timezone.localdate()} for pk in customer_ids}


@pytest.fixture
def coupon_fields():
    merge.register_merge_fields(coupons)
    yield
    merge.unregister_merge_fields(coupons)


def people():
    """Three printable customers in a postal order unlike their creation order, and two without an address."""
    north = customer(name="株式会社北海商事", postal_code="060-0001", prefecture="北海道",
                     address="札幌市中央区北一条西1-1")
    Contact.objects.create(customer=north, name="佐々木 一郎", title="部長", department="営業部")
    tokyo = customer(name="株式会社東京精機", postal_code="100-0005", prefecture="東京都",
                     address="千代田区丸の内1-1-1 丸の内ビルディング12階")
    osaka = customer(name="大阪 花子", kind="person", postal_code="530-0001", prefecture="大阪府",
                     address="大阪市北区梅田1-1")
    homeless = customer(name="株式会社住所不明", postal_code="", address="")
    no_consent = customer(name="株式会社同意撤回", postal_code="150-0001", prefecture="東京都", address="渋谷区1-1")
    return [osaka, homeless, tokyo, north, no_consent]


def rendered_batch(manager, layout=12, staff=False):
    customers = people()
    step = launched_step(channel="dm", customers=customers, subject="春のご案内", body=BODY)
    assert channel_handler("dm")(step=step, executions=executions(step), now=timezone.now()) == 5
    customers[4].has_dm_consent = False
    customers[4].save()
    batch = LetterBatch.objects.get(step=step)
    letters.letter_batch_render_start(batch=batch, by=manager, label_layout=layout, include_staff_profile=staff)
    letters.letter_batch_render_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch, customers


def pdf_pages(batch):
    with default_storage.open(batch.file.name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return ["".join(page.extract_text().split()) for page in reader.pages]


def test_the_handler_collects_the_steps_letters_into_one_open_batch_once():
    customers = people()
    step = launched_step(channel="dm", customers=customers, body=BODY)
    handler = channel_handler("dm")
    handler(step=step, executions=executions(step), now=timezone.now())
    executions(step).update(state="due")
    handler(step=step, executions=executions(step), now=timezone.now())
    assert LetterBatch.objects.filter(step=step).count() == 1
    assert LetterBatchItem.objects.filter(step=step).count() == 5
    assert set(executions(step).values_list("state", flat=True)) == {"handed_over"}


def test_the_pdf_has_the_cover_the_letters_and_the_labels_in_postal_order(manager, coupon_fields):
    batch, (osaka, homeless, tokyo, north, no_consent) = rendered_batch(manager)
    assert batch.state == "ready" and batch.letters_count == 3 and batch.undeliverable_count == 2
    pages = pdf_pages(batch)
    assert len(pages) == 1 + 3 + 1  # cover, one page per letter, one label sheet
    cover, *letter_pages, labels = pages
    # The cover counts per postal area (区分郵便).
    assert "〒060" in cover and "〒100" in cover and "〒530" in cover
    # Letters in postal-code order: 060 (Sapporo), 100 (Tokyo), 530 (Osaka); each with its own coupon code.
    assert "株式会社北海商事" in letter_pages[0] and "営業部部長佐々木一郎様" in letter_pages[0]
    assert "株式会社東京精機御中" in letter_pages[1]
    assert "大阪花子様" in letter_pages[2]
    for page, obj in zip(letter_pages, (north, tokyo, osaka), strict=True):
        assert f"HARU-{obj.pk:04d}" in page
        assert "全品10%引き" in page
        assert "Mezame株式会社" in page  # the sender block
    # Labels in the same order, with 〒, address, name and 様/御中.
    positions = [labels.index(text) for text in ("〒060-0001", "〒100-0005", "〒530-0001")]
    assert positions == sorted(positions)
    assert "株式会社北海商事" in labels and "佐々木一郎様" in labels and "株式会社東京精機御中" in labels
    assert "大阪花子様" in labels
    assert "住所不明" not in "".join(pages) and "同意撤回" not in "".join(pages)
    problems = dict(LetterBatchItem.objects.filter(batch=batch).exclude(problem="")
                    .values_list("customer_id", "problem"))
    assert problems == {homeless.pk: "no_address", no_consent.pk: "no_dm_consent"}


def test_the_24_label_sheet_and_the_staff_profile(manager):
    batch, _customers = rendered_batch(manager, layout=24, staff=True)
    pages = pdf_pages(batch)
    assert "〒060-0001" in pages[-1]
    assert "担当" in pages[1] or "Fromyourcontact" in pages[1]  # the staff section (Japanese once translated)


def test_posting_records_each_printed_letter_once_and_skips_the_rest(manager):
    batch, (osaka, homeless, tokyo, north, no_consent) = rendered_batch(manager)
    assert letters.letter_batch_mark_posted(batch=batch, by=manager) == 3
    assert set(CampaignContact.objects.values_list("customer_id", flat=True)) == {osaka.pk, tokyo.pk, north.pk}
    states = dict(executions(batch.step).values_list("customer_id", "state"))
    assert states[homeless.pk] == "skipped" and states[no_consent.pk] == "skipped" and states[north.pk] == "contacted"
    with pytest.raises(ValidationError):
        letters.letter_batch_mark_posted(batch=batch, by=manager)
    assert CampaignContact.objects.count() == 3


def test_a_rep_may_not_render_or_post(rep, manager):
    customers = people()
    step = launched_step(channel="dm", customers=customers, body=BODY)
    channel_handler("dm")(step=step, executions=executions(step), now=timezone.now())
    batch = LetterBatch.objects.get(step=step)
    with pytest.raises(PermissionDenied):
        letters.letter_batch_render_start(batch=batch, by=rep)


def test_the_download_is_for_the_office_only(manager, rep, client_for):
    batch, _customers = rendered_batch(manager)
    url = f"/campaigns/delivery/letters/{batch.pk}/download/"
    response = client_for(manager).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(rep).get(url).status_code == 403
