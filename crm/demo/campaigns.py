"""The demo's campaigns: the yearly demand seasons of a building-materials trader, the three reactivation playbooks
(so the next nightly scan enrols whoever goes quiet), a launched year-end greeting letter to every customer with DM
consent, and a draft spring campaign for price-sensitive dormant customers with a three-step sequence.

Built after the scan through the campaigns services (the same code the screens call), so seeding enrols nobody and
sends nothing: the manager sees plans, previews and a print batch waiting, not thousands of mails in the console.
Campaign rows of the demo are found by their name prefix and rebuilt on every seed.
"""
import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from campaigns import playbooks, services
from campaigns.models import Campaign, CampaignStep, DemandSeason, Segment

from . import DEMO_USERS

DEMO_USERNAMES = [name for name, _, _ in DEMO_USERS]

PREFIX = "【デモ】"
SEASONS = [  # (name, start month, start day, end month, end day)
    ("改修工事の繁忙期", 9, 1, 11, 30),
    ("年度末工事", 1, 15, 3, 31),
    ("梅雨前の防水需要", 4, 15, 6, 15),
]


def demo_campaigns_wipe():
    """The demo's campaign rows: its campaigns and segments (by prefix), the playbooks its manager created, its
    seasons (campaigns before segments: a campaign protects its segment)."""
    Campaign.objects.filter(Q(name__startswith=PREFIX)
                            | Q(kind=Campaign.Kind.PLAYBOOK, created_by__username__in=DEMO_USERNAMES)).delete()
    Segment.objects.filter(name__startswith=PREFIX).delete()
    DemandSeason.objects.filter(name__in=[name for name, *_ in SEASONS]).delete()


@transaction.atomic
def demo_campaigns(*, as_of, log=print):
    manager = get_user_model().objects.get(username="manager")
    demo_campaigns_wipe()
    for name, start_month, start_day, end_month, end_day in SEASONS:
        services.demand_season_create(by=manager, name=name, start_month=start_month, start_day=start_day,
                                      end_month=end_month, end_day=end_day)
    created = playbooks.playbooks_default_create(by=manager, today=as_of)

    year_end = datetime.date(as_of.year, 12, 1)
    if year_end < as_of:
        year_end = datetime.date(as_of.year + 1, 12, 1)
    greeting = services.campaign_create(
        by=manager, name=f"{PREFIX}{year_end.year}年 年末のご挨拶状", starts_on=year_end,
        ends_on=year_end.replace(day=20), approach=Campaign.Approach.RELATIONSHIP, channel=Campaign.Channel.DM,
        note="一年のお礼と年末年始の営業日のご案内。売り込みはしない。")
    CampaignStep.objects.filter(campaign=greeting, position=1).update(
        subject="本年もありがとうございました",
        body="{{ addressee }}\n\n本年も格別のお引き立てを賜り、厚く御礼申し上げます。\n"
             "年末年始の営業日をご案内いたします。来年もどうぞよろしくお願いいたします。\n\n"
             "担当：{{ rep_name }}\n{{ sender_company }}")
    services.campaign_launch(campaign=greeting, by=manager)

    price_dormant = services.segment_create(
        name=f"{PREFIX}価格理由の休眠客", filters={"statuses": ["dormant", "at_risk"], "reasons": ["price"]},
        by=manager)
    spring = datetime.date(year_end.year + 1, 3, 1)
    win_back = services.campaign_create(
        by=manager, name=f"{PREFIX}{spring.year}年 春の掘り起こし", starts_on=spring,
        ends_on=spring.replace(month=4, day=30), approach=Campaign.Approach.SEGMENT, segment=price_dormant,
        channel=Campaign.Channel.EMAIL, control_share_percent=10)
    CampaignStep.objects.filter(campaign=win_back, position=1).update(
        subject="新年度のお得なプランのご案内",
        body="{{ addressee }}\n\n{{ reason_paragraph }}\n\n{{ sender_company }}")
    CampaignStep.objects.bulk_create([
        CampaignStep(campaign=win_back, position=2, channel=Campaign.Channel.DM, wait_days=7,
                     condition=CampaignStep.Condition.NO_CLICK, subject="特別クーポンのご案内",
                     body="{{ addressee }}\n\nお客様専用クーポン：{{ coupon_code }}（{{ coupon_expires_on }}まで）\n\n"
                          "{{ sender_company }}"),
        CampaignStep(campaign=win_back, position=3, channel=Campaign.Channel.PHONE, wait_days=21,
                     condition=CampaignStep.Condition.NO_PURCHASE, is_key_accounts_only=True,
                     weekly_capacity_per_rep=10, body="ご意見を伺う電話。売り込みはしない。"),
    ])
    log(f"demo campaigns: {len(SEASONS)} seasons, {len(created)} playbooks, a launched greeting letter "
        f"({greeting.targets.count()} targets), a draft three-step win-back campaign")
