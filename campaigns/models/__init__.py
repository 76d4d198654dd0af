"""Campaigns: seasons, segments, campaigns and their targets (core), steps and their executions (steps).

Further modules add coupons and delivery; each is imported here so Django finds every model of the app.
"""
from .caps import ContactCap, ContactCapCount
from .core import (
    DAY_VALIDATORS,
    MONTH_VALIDATORS,
    TOUCHPOINT_CHANNEL,
    Campaign,
    CampaignContact,
    CampaignTarget,
    ContactPolicy,
    DemandSeason,
    Segment,
)
from .coupons import Coupon, CouponOffer, DiscountKind
from .delivery import EmailClick, EmailSuppression, LetterBatch, LetterBatchItem, OutboxMessage
from .feedback import FeedbackResponse
from .steps import CampaignStep, StepExecution

__all__ = [
    "DAY_VALIDATORS",
    "MONTH_VALIDATORS",
    "TOUCHPOINT_CHANNEL",
    "Campaign",
    "CampaignContact",
    "CampaignStep",
    "CampaignTarget",
    "ContactCap",
    "ContactCapCount",
    "ContactPolicy",
    "Coupon",
    "CouponOffer",
    "DemandSeason",
    "DiscountKind",
    "EmailClick",
    "EmailSuppression",
    "FeedbackResponse",
    "LetterBatch",
    "LetterBatchItem",
    "OutboxMessage",
    "Segment",
    "StepExecution",
]
